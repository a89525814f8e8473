"""The rule families; importing this package registers each one by name."""
from juesuan.rules.families import arithmetic, consistency, ratios, text  # noqa: F401
