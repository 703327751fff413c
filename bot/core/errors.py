"""Typed user errors: services raise them; each adapter's one error mapper answers in the user's language."""

from __future__ import annotations

from typing import Any

from bot.core.i18n import Text


class UserError(Exception):
    """Something the user can fix. Carries a translatable text, never a raw English sentence."""

    def __init__(self, text: Text) -> None:
        super().__init__(text.msgid)
        self.text = text


class PermissionDenied(UserError):
    pass


class BadArgument(UserError):
    pass


class MissingArgument(BadArgument):
    """A required argument is absent; guided commands ask for it instead of failing."""

    def __init__(self, text: Text, arg_name: str) -> None:
        super().__init__(text)
        self.arg_name = arg_name


class NotFound(UserError):
    pass


class UnknownCommand(UserError):
    pass


class PlatformLimitation(UserError):
    """The platform refused (missing bot permission, blocked DMs, …)."""


def user_error(cls: type[UserError], msgid: str, **params: Any) -> UserError:
    return cls(Text(msgid, params))
