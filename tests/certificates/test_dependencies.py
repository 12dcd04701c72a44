"""What the renderer needs from its installation, beyond importing."""

from reportlab.lib import rl_accel


def test_reportlab_uses_its_c_accelerators():
    # rl_accel (a separate wheel since reportlab 4) makes number formatting, PDF string escaping
    # and TrueType string widths native: about an eighth off every certificate render. Without
    # it reportlab silently falls back to Python.
    assert {"fp_str", "escapePDF", "instanceStringWidthTTF"} <= set(rl_accel._c_funcs)
