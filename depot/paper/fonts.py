"""The fonts slips and manifests are printed in: DejaVu Sans, embedded in every PDF.

The PDF standard fonts (Helvetica) only carry the Western European code page: a Polish or Czech
name would print as boxes, silently. DejaVu Sans covers every European alphabet; it comes with
Debian's ``fonts-dejavu-core`` (installed by ``.ci/services.sh``).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
REGULAR = "BakfietsSans"
BOLD = "BakfietsSans-Bold"
_FILES = {REGULAR: "DejaVuSans.ttf", BOLD: "DejaVuSans-Bold.ttf"}


@cache
def register_fonts() -> tuple[str, str]:
    """Register the regular and bold face with reportlab (once per process).

    Returns
    -------
    regular, bold : str
        Font names to pass to ``canvas.setFont`` and paragraph styles.

    Raises
    ------
    FileNotFoundError
        If DejaVu Sans is not installed (``apt-get install fonts-dejavu-core``).
    """
    for name, file in _FILES.items():
        path = FONT_DIR / file
        if not path.exists():
            raise FileNotFoundError(
                f"{path}: the label font is missing; install Debian's fonts-dejavu-core"
            )
        pdfmetrics.registerFont(TTFont(name, str(path)))
    pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD)
    return REGULAR, BOLD
