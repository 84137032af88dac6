from django import template

register = template.Library()


@register.filter
def minutes_seconds(seconds) -> str:
    """125 -> "2:05"; empty when unknown."""
    if seconds is None or seconds == "":
        return "—"
    seconds = int(seconds)
    return f"{seconds // 60}:{seconds % 60:02d}"


@register.filter
def figure(value, unit: str = "") -> str:
    """A KPI value with its unit, or a dash when there is nothing to divide by."""
    if value is None:
        return "—"
    if unit == "s":
        return minutes_seconds(value)
    return f"{value}{unit}" if unit else str(value)
