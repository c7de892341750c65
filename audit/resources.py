"""Files that ship with the code, found through importlib.resources.

`schemas/` (the table contracts) and `templates/` (report layouts) stay at the top of a
checkout — the layout card a user opens first — and the wheel carries them inside the
package as `audit/schemas` and `audit/templates` (see pyproject.toml), so an installed
`audit` reads data and writes reports without the checkout."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def shipped_dir(name: str) -> Path:
    """`audit/<name>` inside an installed wheel, else `<checkout>/<name>` beside `audit/`."""
    package = Path(str(files("audit")))
    inside = package / name
    return inside if inside.is_dir() else package.parent / name


SCHEMAS = shipped_dir("schemas")
TEMPLATES = shipped_dir("templates")
