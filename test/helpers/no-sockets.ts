/**
 * The unit tier opens no sockets: a test that tries is an integration test.
 * Connecting or listening throws at once with a message that says so; nock
 * (which replaces Node's HTTP client and fetch) still works.
 */
import net from 'node:net';

const refuse = (what: string) =>
  function (): never {
    throw new Error(`unit tests open no sockets (${what}); move this test to test/integration/`);
  };

net.Socket.prototype.connect = refuse('net.Socket.connect') as typeof net.Socket.prototype.connect;
net.Server.prototype.listen = refuse('net.Server.listen') as typeof net.Server.prototype.listen;
