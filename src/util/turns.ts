/**
 * Bytes one connection moves before it lets the rest of the event loop run.
 *
 * libuv reads a readable socket up to 32 times (64 KiB each) in one go, and
 * Node hands every read to JavaScript at once. A few connections moving bulk
 * data then hold the loop for a long time: 24 bulk WebSocket tunnels held the
 * simulated proxy's loop for 160 ms at a time, and a /health probe waited for
 * them (measured with the hostile suite's non-reading-ws attack). 256 KiB is
 * four reads: bulk data still moves in large writes, and a small message
 * never waits.
 */
export const TURN_BYTES = 256 * 1024;
