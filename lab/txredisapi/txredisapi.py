"""A small Redis client for Twisted, providing the part of the ``txredisapi``
API that Synapse uses (lab only).

Written from scratch for the Synapse Fleet lab: Debian does not package
``txredisapi`` and no package index is reachable from the lab. Production
images ship the real library. It speaks RESP2 to Redis directly and offers:

* ``RedisFactory``   - a ReconnectingClientFactory keeping a ``pool`` of
                       connected protocols and a ``handler``.
* ``RedisProtocol``  - request/reply commands (ping, publish, get, set, ...).
* ``SubscriberProtocol`` - pub/sub: ``subscribe`` and ``messageReceived``.
* ``ConnectionHandler`` / ``UnixConnectionHandler`` - proxies that wait for a
  pooled connection (lazy) and forward the command to it.
"""

import collections
import itertools
import logging
import re

from twisted.internet import defer, protocol

__version__ = "1.4.11"

logger = logging.getLogger(__name__)


class RedisError(Exception):
    pass


class ConnectionError(RedisError):  # noqa: A001 - name kept for API parity
    pass


class ResponseError(RedisError):
    pass


class ReplyError(ResponseError):
    pass


class TimeoutError(ConnectionError):  # noqa: A001
    pass


class InvalidResponse(RedisError):
    pass


# --------------------------------------------------------------------------
# RESP encoding / decoding
# --------------------------------------------------------------------------


class _Incomplete(Exception):
    pass


class _Status(str):
    """A simple-string reply (+OK). Never number-converted."""


_INT_RE = re.compile(r"-?(0|[1-9][0-9]*)\Z")
_FLOAT_RE = re.compile(r"-?(0|[1-9][0-9]*)\.[0-9]*[1-9]\Z")


def _parse(buf, pos):
    """Parse one RESP2 value from ``buf`` at ``pos``; returns (value, new_pos).

    Bulk strings come back as bytes, simple strings as _Status, errors as
    ResponseError instances (not raised), nil as None.
    """
    end = buf.find(b"\r\n", pos)
    if end < 0:
        raise _Incomplete()
    kind = buf[pos : pos + 1]
    line = bytes(buf[pos + 1 : end])
    pos = end + 2
    if kind == b"+":
        return _Status(line.decode("utf-8", "replace")), pos
    if kind == b"-":
        return ResponseError(line.decode("utf-8", "replace")), pos
    if kind == b":":
        return int(line), pos
    if kind == b"$":
        n = int(line)
        if n < 0:
            return None, pos
        if len(buf) < pos + n + 2:
            raise _Incomplete()
        return bytes(buf[pos : pos + n]), pos + n + 2
    if kind == b"*":
        n = int(line)
        if n < 0:
            return None, pos
        items = []
        for _ in range(n):
            item, pos = _parse(buf, pos)
            items.append(item)
        return items, pos
    raise InvalidResponse("unexpected RESP type %r" % (kind,))


def _encode_arg(arg, charset):
    if isinstance(arg, bytes):
        return arg
    if isinstance(arg, (bytearray, memoryview)):
        return bytes(arg)
    if isinstance(arg, str):
        return arg.encode(charset or "utf-8")
    if isinstance(arg, bool):
        return b"1" if arg else b"0"
    if isinstance(arg, (int, float)):
        return repr(arg).encode("ascii")
    return str(arg).encode(charset or "utf-8")


def _encode_command(args, charset):
    parts = [b"*%d\r\n" % len(args)]
    for arg in args:
        data = _encode_arg(arg, charset)
        parts.append(b"$%d\r\n" % len(data))
        parts.append(data)
        parts.append(b"\r\n")
    return b"".join(parts)


def _convert(value, charset, numbers):
    """Decode bulk strings with the charset; optionally turn canonical
    numbers ("42", "-1", "1.5") into int/float. "007" stays a string."""
    if isinstance(value, bytes):
        if charset:
            try:
                value = value.decode(charset)
            except UnicodeDecodeError:
                return value
            if numbers:
                if _INT_RE.match(value):
                    return int(value)
                if _FLOAT_RE.match(value):
                    return float(value)
        return value
    if isinstance(value, list):
        return [_convert(v, charset, numbers) for v in value]
    if isinstance(value, _Status):
        return str(value)
    return value


# --------------------------------------------------------------------------
# Protocols
# --------------------------------------------------------------------------


class _Pending:
    """A request waiting for ``remaining`` replies."""

    __slots__ = ("deferred", "remaining", "replies", "timer", "kind")

    def __init__(self, deferred, remaining=1, kind=None):
        self.deferred = deferred
        self.remaining = remaining
        self.replies = []
        self.timer = None
        self.kind = kind


class RedisProtocol(protocol.Protocol):
    """One connection to Redis. Replies arrive in request order."""

    def __init__(self, *args, **kwargs):
        self._buffer = bytearray()
        self._pending = collections.deque()
        self._connected = False
        self._aborting = False
        self.factory = None
        self.transport = None

    # settings come from the factory (Twisted builds protocols without args)
    @property
    def charset(self):
        return getattr(self.factory, "charset", "utf-8")

    @property
    def replyTimeout(self):
        return getattr(self.factory, "replyTimeout", None)

    @property
    def convertNumbers(self):
        return getattr(self.factory, "convertNumbers", True)

    # -- connection lifecycle ---------------------------------------------

    def connectionMade(self):
        self._connected = True
        self._aborting = False
        factory = self.factory
        password = getattr(factory, "password", None)
        dbid = getattr(factory, "dbid", None)
        # Pipelined: commands issued right after this (e.g. a SUBSCRIBE from
        # a subclass's connectionMade) queue behind AUTH/SELECT on the wire.
        setup = []
        if password is not None:
            setup.append(self.execute_command("AUTH", password))
        if dbid is not None:
            setup.append(self.execute_command("SELECT", dbid))
        if factory is not None and hasattr(factory, "addConnection"):
            factory.addConnection(self)
        if setup:
            d = defer.gatherResults(setup, consumeErrors=True)
            d.addCallbacks(self._setup_done, self._setup_failed)
        else:
            self._setup_done(None)

    def _setup_done(self, _):
        if self.factory is not None and hasattr(self.factory, "connectionReady"):
            self.factory.connectionReady(self)

    def _setup_failed(self, failure):
        err = failure.value
        if isinstance(err, defer.FirstError):
            err = err.subFailure.value
        if self._connected:
            logger.error("Redis AUTH/SELECT failed: %s; dropping connection", err)
            self._abort()

    def connectionLost(self, reason=protocol.connectionDone):
        self._connected = False
        if self.factory is not None and hasattr(self.factory, "delConnection"):
            self.factory.delConnection(self)
        pending, self._pending = self._pending, collections.deque()
        for entry in pending:
            self._cancel_timer(entry)
            if not entry.deferred.called:
                entry.deferred.errback(
                    ConnectionError("Lost connection to Redis: %s" % (reason.getErrorMessage(),))
                )
        self._buffer = bytearray()

    def _abort(self):
        if self.transport is not None and not self._aborting:
            self._aborting = True
            abort = getattr(self.transport, "abortConnection", None)
            if abort is not None:
                abort()
            else:
                self.transport.loseConnection()

    # -- sending ------------------------------------------------------------

    def _send(self, args, remaining=1, kind=None):
        d = defer.Deferred()
        if not self._connected or self.transport is None:
            d.errback(ConnectionError("Not connected to Redis"))
            return d
        entry = _Pending(d, remaining, kind)
        timeout = self.replyTimeout
        if timeout:
            from twisted.internet import reactor

            entry.timer = reactor.callLater(timeout, self._reply_timed_out, entry)
        self._pending.append(entry)
        self.transport.write(_encode_command(args, self.charset))
        return d

    def _reply_timed_out(self, entry):
        entry.timer = None
        if entry.deferred.called:
            return
        logger.warning("Redis reply timed out after %ss; aborting connection", self.replyTimeout)
        try:
            self._pending.remove(entry)
        except ValueError:
            pass
        entry.deferred.errback(TimeoutError("Redis reply timed out"))
        # later replies would be matched to the wrong requests: start over
        self._abort()

    @staticmethod
    def _cancel_timer(entry):
        if entry.timer is not None:
            if entry.timer.active():
                entry.timer.cancel()
            entry.timer = None

    def execute_command(self, *args, **kwargs):
        return self._send(args)

    # -- receiving ----------------------------------------------------------

    def dataReceived(self, data):
        self._buffer.extend(data)
        while self._buffer:
            try:
                value, pos = _parse(self._buffer, 0)
            except _Incomplete:
                return
            except (ValueError, InvalidResponse) as e:
                logger.error("Invalid data from Redis: %s", e)
                self._abort()
                return
            del self._buffer[:pos]
            try:
                self.replyReceived(value)
            except Exception:
                logger.exception("Error handling a Redis reply")

    def replyReceived(self, reply):
        self._deliver(reply)

    def _deliver(self, reply, raw=False):
        if not self._pending:
            logger.warning("Unexpected reply from Redis: %r", reply)
            return
        entry = self._pending[0]
        if isinstance(reply, ResponseError):
            value = reply
        elif raw:
            value = reply
        else:
            value = _convert(reply, self.charset, self.convertNumbers)
        entry.replies.append(value)
        entry.remaining -= 1
        if entry.remaining > 0:
            return
        self._pending.popleft()
        self._cancel_timer(entry)
        if entry.deferred.called:
            return
        errors = [r for r in entry.replies if isinstance(r, ResponseError)]
        if errors:
            entry.deferred.errback(errors[0])
        elif len(entry.replies) == 1:
            entry.deferred.callback(entry.replies[0])
        else:
            entry.deferred.callback(entry.replies)

    # -- commands -----------------------------------------------------------

    def ping(self):
        return self.execute_command("PING")

    def publish(self, channel, message):
        return self.execute_command("PUBLISH", channel, message)

    def get(self, key):
        return self.execute_command("GET", key)

    def set(self, key, value, expire=None, pexpire=None, only_if_not_exists=False, only_if_exists=False):
        args = ["SET", key, value]
        if expire is not None:
            args += ["EX", int(expire)]
        if pexpire is not None:
            args += ["PX", int(pexpire)]
        if only_if_not_exists:
            args.append("NX")
        elif only_if_exists:
            args.append("XX")
        return self.execute_command(*args)

    def delete(self, *keys):
        if len(keys) == 1 and isinstance(keys[0], (list, tuple)):
            keys = tuple(keys[0])
        return self.execute_command("DEL", *keys)

    def exists(self, key):
        return self.execute_command("EXISTS", key)

    def expire(self, key, seconds):
        return self.execute_command("EXPIRE", key, seconds)

    def pexpire(self, key, ms):
        return self.execute_command("PEXPIRE", key, ms)

    def incr(self, key, amount=1):
        return self.execute_command("INCRBY", key, amount)

    def select(self, dbid):
        return self.execute_command("SELECT", dbid)

    def auth(self, password):
        return self.execute_command("AUTH", password)

    def quit(self):
        return self.execute_command("QUIT")

    def __repr__(self):
        peer = self.transport.getPeer() if self.transport is not None else None
        return "<%s %s>" % (type(self).__name__, peer)


class SubscriberProtocol(RedisProtocol):
    """Pub/sub connection. Override ``messageReceived(pattern, channel, message)``.

    Pushes (``message``/``pmessage``) go to ``messageReceived`` with the payload
    decoded as ``str`` and never number-converted. (P)SUBSCRIBE to N channels
    yields N confirmations; the returned Deferred fires after all of them.
    In subscribe mode Redis answers PING with ``["pong", ""]``: that is the
    ping's reply, not a message.
    """

    _CONFIRMATIONS = frozenset(("subscribe", "unsubscribe", "psubscribe", "punsubscribe"))

    def messageReceived(self, pattern, channel, message):
        pass

    def replyReceived(self, reply):
        if isinstance(reply, list) and reply and isinstance(reply[0], bytes):
            kind = reply[0].decode("ascii", "replace").lower()
            charset = self.charset
            if kind == "message" and len(reply) == 3:
                self.messageReceived(
                    None, _convert(reply[1], charset, False), _convert(reply[2], charset, False)
                )
                return
            if kind == "pmessage" and len(reply) == 4:
                self.messageReceived(
                    _convert(reply[1], charset, False),
                    _convert(reply[2], charset, False),
                    _convert(reply[3], charset, False),
                )
                return
            if kind == "pong":
                self._deliver("PONG", raw=True)
                return
            if kind in self._CONFIRMATIONS:
                self._deliver(_convert(reply, charset, False), raw=True)
                return
        self._deliver(reply)

    def _subscription(self, command, channels):
        if isinstance(channels, (str, bytes)):
            channels = [channels]
        channels = list(channels)
        if not channels:
            if command in ("UNSUBSCRIBE", "PUNSUBSCRIBE"):
                # Redis answers with one confirmation per subscribed channel;
                # we cannot know how many, so do not wait for them.
                d = self._send([command], remaining=1)
                return d
            return defer.succeed([])
        return self._send([command] + channels, remaining=len(channels))

    def subscribe(self, channels):
        return self._subscription("SUBSCRIBE", channels)

    def unsubscribe(self, channels):
        return self._subscription("UNSUBSCRIBE", channels)

    def psubscribe(self, patterns):
        return self._subscription("PSUBSCRIBE", patterns)

    def punsubscribe(self, patterns):
        return self._subscription("PUNSUBSCRIBE", patterns)


# --------------------------------------------------------------------------
# Factory and handlers
# --------------------------------------------------------------------------


class ConnectionHandler:
    """Forwards commands to a pooled connection, waiting for one if none is
    connected yet (so it is usable at once when the factory is lazy)."""

    def __init__(self, factory):
        self._factory = factory
        self._connected = factory.deferred

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)

        def command(*args, **kwargs):
            d = self._factory.getConnection()

            def call(conn):
                return getattr(conn, name)(*args, **kwargs)

            d.addCallback(call)
            return d

        command.__name__ = name
        return command

    def disconnect(self):
        self._factory.continueTrying = False
        self._factory.stopTrying()
        ds = []
        for conn in list(self._factory.pool):
            if conn.transport is not None:
                conn.transport.loseConnection()
        return defer.DeferredList(ds)

    def __repr__(self):
        return "<%s %s: %d connection(s)>" % (
            type(self).__name__,
            getattr(self._factory, "uuid", "?"),
            len(self._factory.pool),
        )


class UnixConnectionHandler(ConnectionHandler):
    pass


class ShardedConnectionHandler(ConnectionHandler):
    pass


class RedisFactory(protocol.ReconnectingClientFactory):
    protocol = RedisProtocol
    maxDelay = 10  # seconds; the back-off is reset after every good connect
    noisy = False

    def __init__(
        self,
        uuid,
        dbid,
        poolsize,
        isLazy=False,
        handler=ConnectionHandler,
        charset="utf-8",
        password=None,
        replyTimeout=None,
        convertNumbers=True,
    ):
        self.uuid = uuid
        self.dbid = dbid
        self.poolsize = poolsize
        self.isLazy = isLazy
        self.charset = charset
        self.password = password
        self.replyTimeout = replyTimeout
        self.convertNumbers = convertNumbers
        self.pool = []
        self.size = 0
        self._waiters = collections.deque()
        self._round_robin = itertools.count()
        self.deferred = defer.Deferred()  # fires once the first connection is up
        self.handler = handler(self)

    def addConnection(self, conn):
        if conn not in self.pool:
            self.pool.append(conn)
            self.size = len(self.pool)
        while self._waiters and conn in self.pool:
            d = self._waiters.popleft()
            if not d.called:
                d.callback(conn)
        if not self.deferred.called:
            self.deferred.callback(self.handler)

    def connectionReady(self, conn):
        # AUTH/SELECT succeeded: the connection is good, restart the back-off.
        self.resetDelay()

    def delConnection(self, conn):
        try:
            self.pool.remove(conn)
        except ValueError:
            pass
        self.size = len(self.pool)

    def getConnection(self, put_back=False):
        if self.pool:
            idx = next(self._round_robin) % len(self.pool)
            return defer.succeed(self.pool[idx])
        if not self.continueTrying and not self.isLazy:
            return defer.fail(ConnectionError("Not connected to Redis"))
        d = defer.Deferred()
        self._waiters.append(d)
        return d


class SubscriberFactory(RedisFactory):
    protocol = SubscriberProtocol

    def __init__(self, isLazy=False, handler=ConnectionHandler, password=None, replyTimeout=None):
        super().__init__(
            None, None, 1, isLazy=isLazy, handler=handler, password=password, replyTimeout=replyTimeout
        )


def _connect(host, port, dbid, poolsize, reconnect, isLazy, charset, password, connectTimeout,
             replyTimeout, convertNumbers, handler, unix=False):
    from twisted.internet import reactor

    uuid = host if unix else "%s:%s" % (host, port)
    factory = RedisFactory(uuid, dbid, poolsize, isLazy, handler, charset, password, replyTimeout,
                           convertNumbers)
    factory.continueTrying = reconnect
    for _ in range(poolsize):
        if unix:
            reactor.connectUNIX(host, factory, timeout=connectTimeout)
        else:
            reactor.connectTCP(host, port, factory, timeout=connectTimeout)
    return factory.handler if isLazy else factory.deferred


def Connection(host="localhost", port=6379, dbid=None, reconnect=True, charset="utf-8",
               password=None, connectTimeout=None, replyTimeout=None, convertNumbers=True):
    return _connect(host, port, dbid, 1, reconnect, False, charset, password, connectTimeout,
                    replyTimeout, convertNumbers, ConnectionHandler)


def lazyConnection(host="localhost", port=6379, dbid=None, reconnect=True, charset="utf-8",
                   password=None, connectTimeout=None, replyTimeout=None, convertNumbers=True):
    return _connect(host, port, dbid, 1, reconnect, True, charset, password, connectTimeout,
                    replyTimeout, convertNumbers, ConnectionHandler)


def UnixConnection(path="/tmp/redis.sock", dbid=None, reconnect=True, charset="utf-8",
                   password=None, connectTimeout=None, replyTimeout=None, convertNumbers=True):
    return _connect(path, None, dbid, 1, reconnect, False, charset, password, connectTimeout,
                    replyTimeout, convertNumbers, UnixConnectionHandler, unix=True)


def lazyUnixConnection(path="/tmp/redis.sock", dbid=None, reconnect=True, charset="utf-8",
                       password=None, connectTimeout=None, replyTimeout=None, convertNumbers=True):
    return _connect(path, None, dbid, 1, reconnect, True, charset, password, connectTimeout,
                    replyTimeout, convertNumbers, UnixConnectionHandler, unix=True)


__all__ = [
    "Connection",
    "ConnectionError",
    "ConnectionHandler",
    "InvalidResponse",
    "RedisError",
    "RedisFactory",
    "RedisProtocol",
    "ReplyError",
    "ResponseError",
    "SubscriberFactory",
    "SubscriberProtocol",
    "TimeoutError",
    "UnixConnection",
    "UnixConnectionHandler",
    "lazyConnection",
    "lazyUnixConnection",
]
