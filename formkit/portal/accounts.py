"""Accounts, API tokens, the login lock and the audit log: what `formkit users` and the portal share."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from dataclasses import dataclass

import sqlalchemy as sa

from formkit.errors import FormkitError
from formkit.portal import db

ROLES = ("province", "city")


def _cli_actor() -> str:
    """Return who made a change from the command line, for the audit log."""
    import getpass

    try:
        return f"命令行:{getpass.getuser()}"
    except Exception:  # noqa: BLE001 — no user name in this environment
        return "命令行"


CLI = _cli_actor()
ROLE_NAMES = {"province": "省局", "city": "设区市"}
LOCK_FAILURES = 5
LOCK_MINUTES = 15


@dataclass(frozen=True)
class User:
    """A portal account as the access rules see it."""

    id: int
    username: str
    role: str
    city: str | None
    active: bool = True

    def public(self) -> dict:
        return {"username": self.username, "role": self.role, "city": self.city}


def _hasher():
    from argon2 import PasswordHasher

    return PasswordHasher()


def _user(row) -> User:
    return User(id=row.id, username=row.username, role=row.role, city=row.city, active=bool(row.active))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def record(conn, action: str, detail: str | dict = "", username: str | None = None, ip: str | None = None) -> None:
    """Write one audit row (who, when, what, from where)."""
    if isinstance(detail, dict):
        detail = json.dumps(detail, ensure_ascii=False, sort_keys=True)
    conn.execute(db.audit.insert().values(at=db.now(), username=username, action=action, detail=detail, ip=ip))


def get_user(conn, username: str) -> User | None:
    row = conn.execute(sa.select(db.users).where(db.users.c.username == username)).first()
    return _user(row) if row else None


def add_user(engine, username: str, role: str, city: str | None, password: str, campaign,
             by: str = CLI) -> User:
    """Create an account; raise FormkitError for a bad role, city, name or password."""
    username = (username or "").strip()
    if not username or len(username) > 100:
        raise FormkitError("用户名不能为空，且不超过100个字符")
    if role not in ROLES:
        raise FormkitError(f"角色应为 province（省局）或 city（设区市），现为“{role}”")
    if role == "city":
        if not city:
            raise FormkitError("设区市账号须用 --city 指定所属设区市，如 --city 南京市")
        if campaign.city(city) is None:
            names = "、".join(c.name for c in campaign.cities)
            raise FormkitError(f"“{city}”不是本次活动的设区市，应为：{names}")
        city = campaign.city(city).name
    elif city:
        raise FormkitError("省局账号不属于某个设区市，请去掉 --city")
    check_password(password)
    with engine.begin() as conn:
        if get_user(conn, username):
            raise FormkitError(f"用户 {username} 已存在；如需改密码请用 formkit users passwd {username}")
        conn.execute(db.users.insert().values(username=username, role=role, city=city,
                                              password_hash=_hasher().hash(password), active=True,
                                              created_at=db.now()))
        record(conn, "user-add", {"user": username, "role": role, "city": city}, by)
        return get_user(conn, username)


def check_password(password: str) -> None:
    if not password or len(password) < 8:
        raise FormkitError("密码至少8个字符")


def set_password(engine, username: str, password: str, by: str = CLI) -> None:
    check_password(password)
    with engine.begin() as conn:
        user = _need(conn, username)
        conn.execute(db.users.update().where(db.users.c.id == user.id)
                     .values(password_hash=_hasher().hash(password)))
        conn.execute(db.login_failures.delete().where(db.login_failures.c.username == username))
        record(conn, "user-passwd", {"user": username}, by)


def disable_user(engine, username: str, by: str = CLI) -> None:
    with engine.begin() as conn:
        user = _need(conn, username)
        conn.execute(db.users.update().where(db.users.c.id == user.id).values(active=False))
        conn.execute(db.tokens.update().where(db.tokens.c.user_id == user.id).values(revoked=True))
        record(conn, "user-disable", {"user": username}, by)


def issue_token(engine, username: str, by: str = CLI) -> str:
    """Return a new API token for the user (shown once; only its hash is kept; older ones revoked)."""
    token = secrets.token_urlsafe(32)
    with engine.begin() as conn:
        user = _need(conn, username)
        if not user.active:
            raise FormkitError(f"用户 {username} 已停用，不能签发令牌")
        conn.execute(db.tokens.update().where(db.tokens.c.user_id == user.id).values(revoked=True))
        conn.execute(db.tokens.insert().values(user_id=user.id, token_hash=token_hash(token),
                                               created_at=db.now(), revoked=False))
        record(conn, "user-token", {"user": username}, by)
    return token


def list_users(engine) -> list[User]:
    with engine.connect() as conn:
        return [_user(r) for r in conn.execute(sa.select(db.users).order_by(db.users.c.id))]


def _need(conn, username: str) -> User:
    user = get_user(conn, username)
    if user is None:
        raise FormkitError(f"没有用户 {username}（formkit users list 可列出全部用户）")
    return user


def user_for_token(conn, token: str) -> User | None:
    row = conn.execute(
        sa.select(db.users).join(db.tokens, db.tokens.c.user_id == db.users.c.id)
        .where(db.tokens.c.token_hash == token_hash(token), db.tokens.c.revoked.is_(False),
               db.users.c.active.is_(True))).first()
    return _user(row) if row else None


def user_by_id(conn, user_id: int) -> User | None:
    row = conn.execute(sa.select(db.users).where(db.users.c.id == user_id, db.users.c.active.is_(True))).first()
    return _user(row) if row else None


class Locked(Exception):
    """Too many failed logins of one name: the name is locked for a while."""


def login(engine, username: str, password: str, ip: str | None = None) -> User | None:
    """Return the user for a good name and password, None otherwise; raise Locked when locked.

    Five failed logins of one name within 15 minutes lock it for 15 minutes (counted from
    the fifth failure); while locked, even the right password is refused.
    """
    username = (username or "").strip()[:100]
    since = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=LOCK_MINUTES)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    with engine.begin() as conn:
        failures = conn.execute(sa.select(sa.func.count()).select_from(db.login_failures).where(
            db.login_failures.c.username == username, db.login_failures.c.at >= since)).scalar_one()
        if failures >= LOCK_FAILURES:
            record(conn, "login-locked", {"user": username}, username, ip)
    if failures >= LOCK_FAILURES:
        raise Locked()
    with engine.begin() as conn:
        row = conn.execute(sa.select(db.users).where(db.users.c.username == username)).first()
        good = False
        if row is not None and row.active and row.password_hash:
            from argon2.exceptions import InvalidHashError, VerificationError

            try:
                good = _hasher().verify(row.password_hash, password or "")
            except (VerificationError, InvalidHashError):
                good = False
        if not good:
            conn.execute(db.login_failures.insert().values(username=username, at=db.now()))
            record(conn, "login-failed", {"user": username}, username, ip)
            return None
        conn.execute(db.login_failures.delete().where(db.login_failures.c.username == username))
        record(conn, "login", {"user": username}, username, ip)
        return _user(row)


def audit_rows(engine, since: dt.date | None = None, limit: int | None = None, **where) -> list[dict]:
    """Return audit rows, oldest first (from the start of the day ``since``, China time), as dicts."""
    q = sa.select(db.audit).order_by(db.audit.c.id)
    if since is not None:  # a day in China time, the log in UTC
        start = dt.datetime(since.year, since.month, since.day, tzinfo=dt.timezone(dt.timedelta(hours=8)))
        q = q.where(db.audit.c.at >= start.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
    for key, value in where.items():
        if value:
            q = q.where(getattr(db.audit.c, key) == value)
    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(q)]
    if limit is not None:
        rows = rows[-limit:]
    return rows
