"""Direct checks of the lab's txredisapi against the lab's Redis.

Run (lab up):  lab/lab.sh check-redis
Synapse itself is the main test (selftest's typing round trip goes over Redis
replication); this covers the edge cases Synapse relies on.
"""
import os
import sys

from twisted.internet import defer, protocol, reactor, task

import txredisapi

HOST, PORT, PASSWORD = "redis", 6379, os.environ["REDIS_PASSWORD"]
results = []


def check(name, cond, detail=""):
    results.append(cond)
    print(("ok   " if cond else "FAIL ") + name + (" - %s" % (detail,) if detail else ""))


def connect(factory):
    reactor.connectTCP(HOST, PORT, factory, timeout=5)
    return factory


class Sub(txredisapi.SubscriberProtocol):
    def messageReceived(self, pattern, channel, message):
        self.factory.messages.append((pattern, channel, message))


class SubFactory(txredisapi.RedisFactory):
    protocol = Sub

    def __init__(self, **kw):
        super().__init__(uuid="sub", dbid=None, poolsize=1, replyTimeout=5, password=PASSWORD, **kw)
        self.messages = []


class Silent(protocol.Protocol):
    def dataReceived(self, data):
        pass  # never answers


@defer.inlineCallbacks
def main(_):
    # lazy handler: usable at once, commands queue until connected
    f = txredisapi.RedisFactory(uuid="cmd", dbid=None, poolsize=1, isLazy=True, password=PASSWORD, replyTimeout=5)
    h = f.handler
    d_early = h.ping()
    connect(f)
    check("lazy handler queues until connected", (yield d_early) == "PONG")
    check("get missing key -> None", (yield h.get("fleetlab:nokey")) is None)
    yield h.set("fleetlab:n", "42", pexpire=5000)
    check("number conversion on command replies", (yield h.get("fleetlab:n")) == 42)
    yield h.set("fleetlab:s", "007", pexpire=5000)
    check("'007' stays a string", (yield h.get("fleetlab:s")) == "007")
    ttl = yield h.execute_command("PTTL", "fleetlab:s")
    check("set(pexpire=) sets a TTL", 0 < ttl <= 5000, ttl)
    yield h.set("fleetlab:u", "h\u00e9llo", pexpire=5000)
    check("utf-8 round trip", (yield h.get("fleetlab:u")) == "h\u00e9llo")
    try:
        yield h.execute_command("NOSUCHCMD")
        check("error reply -> ResponseError", False)
    except txredisapi.ResponseError as e:
        check("error reply -> ResponseError", True, str(e)[:40])

    # subscriber
    sf = connect(SubFactory())
    while not sf.pool:
        yield task.deferLater(reactor, 0.05, lambda: None)
    sub = sf.pool[0]
    r = yield sub.subscribe(["fleetlab:a", "fleetlab:b"])
    check("subscribe to 2 channels waits for 2 confirmations", len(r) == 2, r)
    check("ping in subscribe mode", (yield sub.ping()) == "PONG")
    n = yield h.publish("fleetlab:b", "123")
    check("publish returns receiver count", n == 1, n)
    yield h.publish("fleetlab:a", b"007")
    yield task.deferLater(reactor, 0.2, lambda: None)
    check("pub/sub payloads stay strings", sf.messages == [(None, "fleetlab:b", "123"), (None, "fleetlab:a", "007")], sf.messages)
    check("ping after messages", (yield sub.ping()) == "PONG")

    # bad password: the connection is dropped
    bf = txredisapi.RedisFactory(uuid="bad", dbid=None, poolsize=1, isLazy=True, password="wrong", replyTimeout=5)
    bf.continueTrying = False
    connect(bf)
    try:
        yield bf.handler.ping()
        check("wrong password fails", False)
    except Exception as e:
        check("wrong password fails", True, type(e).__name__)

    # reply timeout aborts the connection
    port = reactor.listenTCP(0, protocol.Factory.forProtocol(Silent), interface="127.0.0.1")
    tf = txredisapi.RedisFactory(uuid="silent", dbid=None, poolsize=1, isLazy=True, replyTimeout=1)
    tf.continueTrying = False  # so the pool stays empty after the abort
    reactor.connectTCP("127.0.0.1", port.getHost().port, tf)
    try:
        yield tf.handler.ping()
        check("reply timeout -> TimeoutError", False)
    except txredisapi.TimeoutError:
        check("reply timeout -> TimeoutError", True)
    yield task.deferLater(reactor, 0.1, lambda: None)
    check("reply timeout aborts the connection", len(tf.pool) == 0, "pool size %d" % len(tf.pool))
    yield port.stopListening()
    check("back-off capped at 10 s", txredisapi.RedisFactory.maxDelay == 10)

    for fac in (f, sf):
        fac.stopTrying()
        for c in list(fac.pool):
            c.transport.loseConnection()
    yield task.deferLater(reactor, 0.2, lambda: None)
    print("%d passed, %d failed" % (results.count(True), results.count(False)))
    if not all(results):
        sys.exit(1)


task.react(main)
