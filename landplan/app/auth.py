"""Who may write through the app: loopback by default, a password once it is opened.

The app's server binds ``127.0.0.1`` unless told otherwise (``landplan app --address``,
:func:`landplan.app.server.main`). Reading pages are open to whoever reaches the server;
what writes to the workspace (the upload and import of the data page, the rules form of the
settings page) asks for the app's password first, and a browser session that has entered it
stays unlocked until it ends. The password is required

- whenever one is configured: ``$LANDPLAN_APP_PASSWORD``, or the first line of the file named
  by ``$LANDPLAN_APP_PASSWORD_FILE`` (``landplan app --password-file``); never a
  command-line argument, which ``ps`` shows to every user of the machine;
- whenever the server listens beyond loopback. The server refuses to start so without a
  password (:func:`check_serving`); a server started otherwise (a plain ``streamlit run
  app.py``, which listens on every interface) gets its writes refused, with a line saying
  how to set one.

Passwords are compared with :func:`hmac.compare_digest`; a wrong one costs the session
:data:`WRONG_PASSWORD_DELAY_S` seconds.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import time
from collections.abc import Mapping
from pathlib import Path

from ..errors import InputFileError, LandplanError

__all__ = ["PASSWORD_ENV", "PASSWORD_FILE_ENV", "LOOPBACK", "WRONG_PASSWORD_DELAY_S",
           "ServingError", "is_loopback", "configured_password", "check_serving",
           "password_required", "may_write", "unlock"]

#: Environment variable holding the app's password.
PASSWORD_ENV = "LANDPLAN_APP_PASSWORD"
#: Environment variable naming a file whose first line is the app's password.
PASSWORD_FILE_ENV = "LANDPLAN_APP_PASSWORD_FILE"
#: The address the app's server binds when none is given.
LOOPBACK = "127.0.0.1"
#: Seconds a wrong password holds up the session that entered it.
WRONG_PASSWORD_DELAY_S = 1.0

_UNLOCKED_KEY = "_landplan_write_unlocked"
_FORM_KEY = "auth_form"
_INPUT_KEY = "auth_password"
_WRONG_KEY = "_landplan_auth_wrong"


class ServingError(LandplanError):
    """The server was asked to listen beyond loopback without a password."""


def is_loopback(address: str | None) -> bool:
    """Whether a server bound to ``address`` is reachable from this machine only.

    ``None`` or ``""`` is Streamlit's default: every interface.

    >>> [is_loopback(a) for a in ("127.0.0.1", "localhost", "::1", "0.0.0.0", "", None)]
    [True, True, True, False, False, False]
    """
    if not address:
        return False
    text = address.strip().strip("[]")
    if text.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(text).is_loopback
    except ValueError:  # a host name: it may resolve to any interface
        return False


def configured_password(environ: Mapping[str, str] | None = None) -> str | None:
    """The app's password: ``$LANDPLAN_APP_PASSWORD``, else the first line of the file named by
    ``$LANDPLAN_APP_PASSWORD_FILE``; ``None`` when neither is set.

    Raises :class:`~landplan.errors.InputFileError` when the file cannot be read or its first
    line is empty, and :class:`ServingError` when the variable is set but empty: a password
    that was meant but is not there never leaves the app open.
    """
    environ = os.environ if environ is None else environ
    if PASSWORD_ENV in environ:
        if not environ[PASSWORD_ENV]:
            raise ServingError(f"${PASSWORD_ENV} is set but empty: give it the password, or "
                               "unset it")
        return environ[PASSWORD_ENV]
    name = environ.get(PASSWORD_FILE_ENV)
    if not name:
        return None
    try:
        lines = Path(name).read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        raise InputFileError(name, "the app's password file is not UTF-8 text: write the "
                             "password on its first line") from None
    except OSError as exc:
        raise InputFileError(name, f"the app's password file cannot be read ({exc.strerror}): "
                             f"name a readable file in ${PASSWORD_FILE_ENV}") from None
    password = lines[0].strip() if lines else ""
    if not password:
        raise InputFileError(name, "the app's password file is empty: write the password on its "
                             "first line", where="line 1")
    return password


def check_serving(address: str | None, environ: Mapping[str, str] | None = None) -> None:
    """Refuse (:class:`ServingError`) to serve on a non-loopback ``address`` without a password.

    Also raises what :func:`configured_password` raises for a broken password setting, on any
    address (a broken setting is a mistake to report, loopback or not).
    """
    password = configured_password(environ)
    if password is None and not is_loopback(address):
        shown = address if address else "every interface"
        raise ServingError(
            f"address {shown}: the app would be open to other computers without a password; "
            f"set one in ${PASSWORD_ENV} or in a file named by ${PASSWORD_FILE_ENV}, "
            f"or serve on {LOOPBACK} only")


def password_required(address: str | None, environ: Mapping[str, str] | None = None) -> bool:
    """Whether writing needs the password: one is configured, or ``address`` is not loopback."""
    return configured_password(environ) is not None or not is_loopback(address)


def _served_address() -> str | None:
    """The address the running Streamlit server listens on; loopback under ``AppTest``
    (``global.appTest``), which runs the script with no server at all. (Read through
    ``streamlit.config``: AppTest sets ``global.appTest`` there, ``st.get_option`` misses it.)"""
    from streamlit import config

    address = config.get_option("server.address")
    if not address and config.get_option("global.appTest"):
        return LOOPBACK
    return address


def may_write() -> bool:
    """Whether this session may write to the workspace now (draws nothing; see :func:`unlock`)."""
    import streamlit as st

    try:
        required = password_required(_served_address())
    except LandplanError:
        return False
    return not required or bool(st.session_state.get(_UNLOCKED_KEY))


def unlock(lang: str) -> bool:
    """Whether this session may write; when it may not, draws why, or the password prompt.

    A page calls it before its writing widgets and draws them only (or enabled only) when it
    returns ``True``.
    """
    import streamlit as st

    from .i18n import t

    if may_write():
        return True
    try:
        password = configured_password()
    except LandplanError as exc:
        st.error(t("auth.broken", lang, error=exc))
        return False
    if password is None:  # served beyond loopback without a password: writing stays off
        st.warning(t("auth.no_password", lang, env=PASSWORD_ENV, address=LOOPBACK))
        return False
    with st.form(_FORM_KEY, clear_on_submit=True):
        st.caption(t("auth.caption", lang))
        entered = st.text_input(t("auth.password", lang), type="password", key=_INPUT_KEY)
        submitted = st.form_submit_button(t("auth.unlock", lang))
    if submitted:
        if hmac.compare_digest(entered.encode("utf-8"), password.encode("utf-8")):
            st.session_state[_UNLOCKED_KEY] = True
            st.session_state.pop(_WRONG_KEY, None)
            st.rerun()
        time.sleep(WRONG_PASSWORD_DELAY_S)
        st.session_state[_WRONG_KEY] = True
    if st.session_state.get(_WRONG_KEY):
        st.error(t("auth.wrong", lang))
    return False
