"""The participation-matrix solver: recover ●/○ marks with the printed totals as hard constraints."""
