"""Rows <-> DataFrames, and the one way every value is written as text.

``rows_to_frame`` turns row dataclasses into a typed frame with exactly the contract columns;
``format_for_csv`` turns any such frame into the text that goes into ``<table>.csv``.

Dtypes of a contract frame, by the Python type of the row field:

=========  =====================================================================
str        ``string`` (pandas StringDtype), missing = ``pd.NA``
int        ``Int64`` (nullable integer)
Decimal    ``object`` holding ``decimal.Decimal`` (exact), missing = ``pd.NA``
float      ``Float64``
bool       ``boolean``
=========  =====================================================================

Decimal values stay ``Decimal`` objects in memory so nothing is rounded on the way. On disk
they are written as plain decimal *text* (``17673000000``, ``-0.50``): in CSV by
``format_for_csv``, and as ``string`` in Parquet and ``VARCHAR`` in DuckDB by the writers, so
every format holds the same exact digits and the column types do not depend on the data.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterable
from decimal import Decimal
from numbers import Integral, Real
from typing import TYPE_CHECKING, Any

import numpy as np

from schemas.tables import ColumnSpec, TableRow, columns_of

if TYPE_CHECKING:  # pandas is imported where a frame is made: validating rows needs no pandas
    import pandas as pd

DTYPE_BY_PYTHON_TYPE: dict[str, Any] = {"str": "string", "int": "Int64", "Decimal": object, "float": "Float64", "bool": "boolean"}


def rows_to_frame(row_type: type[TableRow], rows: Iterable[TableRow]) -> pd.DataFrame:
    """A frame with exactly the contract columns of ``row_type``, in order, typed as above.

    An empty ``rows`` still gives every column. Rows of another type are a bug: TypeError.
    """
    import pandas as pd

    specs = columns_of(row_type)
    rows = list(rows)
    for row in rows:
        if not isinstance(row, row_type):
            raise TypeError(f"rows_to_frame({row_type.__name__}): got a {type(row).__name__}")
    data = {spec.name: _column(spec, [getattr(row, spec.name) for row in rows]) for spec in specs}
    return pd.DataFrame(data, columns=[spec.name for spec in specs])


def _column(spec: ColumnSpec, values: list[Any]) -> pd.Series:
    import pandas as pd

    dtype = DTYPE_BY_PYTHON_TYPE.get(spec.python_type, "string")
    if dtype is object:
        cells = [pd.NA if _is_missing(v) else _to_decimal(v) for v in values]
        return pd.Series(cells, dtype=object, name=spec.name)
    cells = [pd.NA if _is_missing(v) else v for v in values]
    return pd.Series(cells, dtype=dtype, name=spec.name)


def _to_decimal(value: Any) -> Any:
    """ints and floats become Decimal; anything else is kept for validation to report."""
    if isinstance(value, bool):
        return value
    if isinstance(value, Integral):
        return Decimal(int(value))
    if isinstance(value, Real):
        return Decimal(repr(float(value)))
    return value


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    pandas = sys.modules.get("pandas")  # pd.NA exists only once pandas is imported
    return pandas is not None and value is pandas.NA


def value_to_text(value: Any) -> str:
    """One cell as written in CSV: plain decimals, ``true``/``false``, missing -> ``""``.

    >>> value_to_text(Decimal("1.7673E+10")), value_to_text(Decimal("-0.50")), value_to_text(True)
    ('17673000000', '-0.50', 'true')
    """
    if _is_missing(value):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return decimal_to_text(value)
    if isinstance(value, Integral):
        return str(int(value))
    if isinstance(value, Real):
        return decimal_to_text(Decimal(repr(float(value))))
    return str(value)


def decimal_to_text(value: Decimal) -> str:
    """Plain decimal without exponent or separators; ``-0`` is written ``0``."""
    if value.is_zero() and value.is_signed():
        value = abs(value)
    return format(value, "f")


def format_for_csv(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell of ``frame`` as the text written to CSV (see ``value_to_text``).

    Same columns and row order; every column is text, missing cells are ``""``.
    """
    import pandas as pd

    data = {name: [value_to_text(v) for v in frame[name].tolist()] for name in frame.columns}
    return pd.DataFrame(data, columns=list(frame.columns), index=frame.index, dtype=object)
