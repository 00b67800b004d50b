"""Errors that stop a command (exit status 2), as opposed to findings about the data."""


class FormkitError(Exception):
    """A command cannot continue; the message is Chinese and says what to do."""


class ConfigError(FormkitError):
    """The campaign file is unreadable or wrong; the message names the key and the line."""


class OutputError(FormkitError):
    """An output cannot be written where it was asked to go."""
