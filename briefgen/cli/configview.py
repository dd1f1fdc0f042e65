"""``briefgen config``: the resolved configuration as text, each value with its origin."""

from __future__ import annotations

from ..compose.labels import DEFAULT_LABELS, LABELS
from ..errors import UsageError
from ..project import Project


def describe(config: Project, audience_name: str | None = None) -> str:
    lines = [f"project file: {config.file or 'none (built-in defaults)'}"]
    values = {"data": config.data, "templates": config.templates, "themes": config.themes,
              "out": config.out, "theme": config.theme, "levels": ", ".join(config.levels),
              "limits": ", ".join(f"{k}={v}" for k, v in vars(config.limits).items())}
    lines += [_line(name, value, config.origins[name]) for name, value in values.items()]
    audiences = config.audiences
    if audience_name is not None:
        audiences = tuple(a for a in audiences if a.name == audience_name)
        if not audiences:
            known = ", ".join(a.name for a in config.audiences)
            raise UsageError(f"unknown audience '{audience_name}', expected one of {known}")
    for audience in audiences:
        lines.append(f"audience {audience.name}:")
        for key, origin in audience.origins.items():
            lines.append("  " + _line(key, _shown(getattr(audience, key)), origin))
    return "\n".join(lines + _rules())


def _rules() -> list[str]:
    """How audiences combine, and the label keys a theme's or an audience's labels: set."""
    lines = ["audiences: those declared in briefgen.yaml replace the built-in executive, "
             "analytical and public; to keep one, declare it too (e.g. 'executive: {}')",
             "labels (a theme's labels: or an audience's labels:; default, then meaning):"]
    for key, meaning in LABELS.items():
        lines.append(f"  {key:<16} {DEFAULT_LABELS[key]!r}: {meaning}")
    return lines


def _line(name: str, value: object, origin: str) -> str:
    return f"{name:<12} = {str(value):<40} ({origin})"


def _shown(value: object) -> str:
    if isinstance(value, tuple):
        return ", ".join(map(str, value))
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items()) or "(none)"
    return "(none)" if value is None else str(value)
