/**
 * The unit tier opens no sockets: a test that tries is an integration test.
 * Connecting or listening throws at once with a message that says so; nock
 * (which replaces Node's HTTP client and fetch) still works.
 *
 * Node's core modules are shared by every test file a jest worker runs, and
 * the tiers share workers: the refusal is undone after each unit file, or the
 * integration file that runs next in the same worker could not listen.
 */
import net from 'node:net';

const original = { connect: net.Socket.prototype.connect, listen: net.Server.prototype.listen };

const refuse = (what: string) =>
  function (): never {
    throw new Error(`unit tests open no sockets (${what}); move this test to test/integration/`);
  };

net.Socket.prototype.connect = refuse('net.Socket.connect') as typeof net.Socket.prototype.connect;
net.Server.prototype.listen = refuse('net.Server.listen') as typeof net.Server.prototype.listen;

afterAll(() => {
  net.Socket.prototype.connect = original.connect;
  net.Server.prototype.listen = original.listen;
});
