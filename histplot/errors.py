"""The exceptions histplot raises for bad input; the CLI turns every one into exit code 2."""

from __future__ import annotations


class HistplotError(Exception):
    """Bad input or usage. ``path`` names the file the problem is about, when there is one."""

    def __init__(self, message: str, path: object = None):
        # Messages from other libraries can span lines; the CLI promises exactly one.
        message = " ".join(str(message).split())
        super().__init__(message)
        self.message = message
        self.path = None if path is None else str(path)

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class ReadError(HistplotError):
    """A file could not be read as a history."""


class UnknownFormatError(ReadError):
    """No reader recognised the content."""


class UnsafePickleError(ReadError):
    """A pickle asked for something a history is not made of."""


class ConfigError(HistplotError):
    """A bad histplot.yaml or option value."""


class MissingDependencyError(HistplotError):
    """An optional package is needed for this input."""


def require(module: str, extra: str):
    """Import an optional package, or say which extra installs it."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingDependencyError(
            f"this needs the optional package '{module}': pip install 'histplot[{extra}]'"
        ) from exc
