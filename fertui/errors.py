"""Errors a user can cause. The CLI prints them as one line and exits with code 2."""


class UserError(Exception):
    """A mistake in input (config, flag, id) that the user can fix; never a traceback."""

    exit_code = 2


class ConfigError(UserError):
    """A config problem, always located by file and dotted key."""

    def __init__(self, source: str, key: str | None, message: str):
        self.source, self.key, self.message = source, key, message
        where = f"{source}: {key}" if key else source
        super().__init__(f"{where}: {message}")
