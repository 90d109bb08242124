#!/usr/bin/env python3
"""Tiny CQL client over the native protocol v4, standard library only.

It lets stack.sh check that Cassandra really answers queries (not just that
the port is open) on machines where neither cqlsh nor a driver is installed.
Each argument is one statement, run in order on a single connection, so
`USE ks` affects the statements after it. Rows print tab-separated with a
header line; exit status is 1 when the server cannot be reached and 2 when it
answers with an error.
"""

import argparse
import ipaddress
import socket
import struct
import sys
import uuid

PROTOCOL_VERSION = 0x04
OP_ERROR, OP_STARTUP, OP_READY, OP_AUTHENTICATE = 0x00, 0x01, 0x02, 0x03
OP_QUERY, OP_RESULT = 0x07, 0x08
FLAG_WARNING = 0x08
CONSISTENCY = {"ONE": 0x0001, "QUORUM": 0x0004, "ALL": 0x0005, "LOCAL_QUORUM": 0x0006, "LOCAL_ONE": 0x000A}


class CqlError(Exception):
    """The server answered with an ERROR frame."""


class Reader:
    """Sequential decoder for the big-endian notations of the protocol."""

    def __init__(self, data):
        self.data, self.pos = data, 0

    def take(self, n):
        chunk = self.data[self.pos:self.pos + n]
        if len(chunk) != n:
            raise ValueError("truncated frame")
        self.pos += n
        return chunk

    def unpack(self, fmt):
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0]

    def short(self):
        return self.unpack(">H")

    def int(self):
        return self.unpack(">i")

    def string(self):
        return self.take(self.short()).decode("utf-8")

    def string_list(self):
        return [self.string() for _ in range(self.short())]

    def bytes(self):
        n = self.int()
        return None if n < 0 else self.take(n)

    def option(self):
        """Reads a type option; returns (type id, nested options)."""
        type_id = self.short()
        if type_id == 0x0000:  # custom type: class name
            return type_id, self.string()
        if type_id in (0x0020, 0x0022):  # list, set
            return type_id, [self.option()]
        if type_id == 0x0021:  # map
            return type_id, [self.option(), self.option()]
        if type_id == 0x0030:  # user-defined type
            self.string(), self.string()
            return type_id, [(self.string(), self.option()) for _ in range(self.short())]
        if type_id == 0x0031:  # tuple
            return type_id, [self.option() for _ in range(self.short())]
        return type_id, None


def decode(type_id, raw):
    """Renders a cell as text; anything without a simple form prints as hex."""
    if raw is None:
        return "null"
    if type_id in (0x0001, 0x000D):  # ascii, varchar
        return raw.decode("utf-8", "replace")
    if type_id in (0x0002, 0x0005, 0x000B):  # bigint, counter, timestamp (ms)
        return str(struct.unpack(">q", raw)[0])
    if type_id == 0x0009:
        return str(struct.unpack(">i", raw)[0])
    if type_id == 0x0013:
        return str(struct.unpack(">h", raw)[0])
    if type_id == 0x0014:
        return str(struct.unpack(">b", raw)[0])
    if type_id == 0x0004:
        return "true" if raw != b"\x00" else "false"
    if type_id == 0x0007:
        return repr(struct.unpack(">d", raw)[0])
    if type_id == 0x0008:
        return repr(struct.unpack(">f", raw)[0])
    if type_id in (0x000C, 0x000F):  # uuid, timeuuid
        return str(uuid.UUID(bytes=raw))
    if type_id == 0x0010:
        return str(ipaddress.ip_address(raw))
    if type_id == 0x000E:  # varint
        return str(int.from_bytes(raw, "big", signed=True))
    return "0x" + raw.hex()


class Connection:
    def __init__(self, host, port, timeout):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.stream = 0

    def close(self):
        self.sock.close()

    def _recv_exact(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise ConnectionError("connection closed by server")
            buf += chunk
        return buf

    def request(self, opcode, body):
        self.stream = (self.stream + 1) % 32768
        header = struct.pack(">BBhBi", PROTOCOL_VERSION, 0, self.stream, opcode, len(body))
        self.sock.sendall(header + body)
        _version, flags, _stream, res_opcode, length = struct.unpack(">BBhBi", self._recv_exact(9))
        reader = Reader(self._recv_exact(length))
        if flags & FLAG_WARNING:
            for warning in reader.string_list():
                print("warning: " + warning, file=sys.stderr)
        if res_opcode == OP_ERROR:
            code = reader.int()
            raise CqlError("server error 0x%04x: %s" % (code, reader.string()))
        return res_opcode, reader

    def startup(self):
        options = {"CQL_VERSION": "3.0.0"}
        body = struct.pack(">H", len(options))
        for key, value in options.items():
            body += pack_string(key) + pack_string(value)
        opcode, _ = self.request(OP_STARTUP, body)
        if opcode == OP_AUTHENTICATE:
            raise CqlError("server requires authentication, which this client does not support")
        if opcode != OP_READY:
            raise CqlError("unexpected answer to STARTUP: opcode 0x%02x" % opcode)

    def query(self, statement, consistency):
        encoded = statement.encode("utf-8")
        # Long string, consistency, flags (0: no values, no paging: all rows at once).
        body = struct.pack(">i", len(encoded)) + encoded + struct.pack(">HB", consistency, 0)
        opcode, reader = self.request(OP_QUERY, body)
        if opcode != OP_RESULT:
            raise CqlError("unexpected answer to QUERY: opcode 0x%02x" % opcode)
        return parse_result(reader)


def pack_string(text):
    encoded = text.encode("utf-8")
    return struct.pack(">H", len(encoded)) + encoded


def parse_result(reader):
    """Returns printable lines for a RESULT body."""
    kind = reader.int()
    if kind == 0x0001:
        return []
    if kind == 0x0003:
        return ["keyspace: " + reader.string()]
    if kind == 0x0005:
        change, target = reader.string(), reader.string()
        what = reader.string()
        if target != "KEYSPACE":
            what += "." + reader.string()
        return ["schema change: %s %s %s" % (change, target, what)]
    if kind != 0x0002:
        return ["result kind 0x%04x" % kind]

    flags = reader.int()
    column_count = reader.int()
    if flags & 0x0002:  # has_more_pages: not requested, but skip the state anyway
        reader.bytes()
    columns = []
    if not flags & 0x0004:  # metadata present
        global_spec = flags & 0x0001
        if global_spec:
            reader.string(), reader.string()
        for _ in range(column_count):
            if not global_spec:
                reader.string(), reader.string()
            name = reader.string()
            columns.append((name, reader.option()[0]))
    lines = ["\t".join(name for name, _ in columns)]
    for _ in range(reader.int()):
        cells = [reader.bytes() for _ in range(column_count)]
        lines.append("\t".join(decode(type_id, raw) for (_, type_id), raw in zip(columns, cells)))
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("statements", nargs="+", help="CQL statements, run in order")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9042)
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds, per socket operation")
    parser.add_argument("--consistency", default="ONE", choices=sorted(CONSISTENCY))
    args = parser.parse_args()

    try:
        conn = Connection(args.host, args.port, args.timeout)
    except OSError as err:
        print("cannot connect to %s:%d: %s" % (args.host, args.port, err), file=sys.stderr)
        return 1
    try:
        conn.startup()
        for statement in args.statements:
            for line in conn.query(statement, CONSISTENCY[args.consistency]):
                print(line)
    except CqlError as err:
        print(err, file=sys.stderr)
        return 2
    except (OSError, ValueError) as err:
        print("protocol failure: %s" % err, file=sys.stderr)
        return 1
    finally:
        conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
