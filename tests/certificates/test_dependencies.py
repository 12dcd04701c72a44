"""What the renderer needs from its installation, beyond importing."""

import _rl_accel  # the rl_accel wheel's C extension: reportlab's accelerators since reportlab 4
from reportlab.lib import rl_accel


def test_reportlab_uses_its_c_accelerators():
    # rl_accel makes number formatting, PDF string escaping and TrueType string widths native:
    # about an eighth off every certificate render. Without it reportlab silently falls back to
    # Python versions of the same names.
    for name in ("fp_str", "escapePDF", "instanceStringWidthTTF"):
        assert getattr(rl_accel, name) is getattr(_rl_accel, name), (
            f"reportlab.lib.rl_accel.{name} is reportlab's Python fallback, not rl_accel's"
        )
