// Preloaded (NODE_OPTIONS=--require) into CLI runs that must never reach the internet: every host name
// but localhost fails to resolve, as on a box without a network, so an example that signs in can never
// reach the real Entra ID, CI's network or not. Addresses (127.0.0.1, the test servers) still connect.
'use strict';
const dns = require('node:dns');

const original = dns.lookup;
dns.lookup = function lookup(hostname, options, callback) {
  if (hostname === 'localhost') return original.apply(this, arguments);
  const done = typeof options === 'function' ? options : callback;
  const err = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', errno: -3008, syscall: 'getaddrinfo', hostname });
  process.nextTick(() => done(err));
};
const originalPromise = dns.promises.lookup;
dns.promises.lookup = function lookup(hostname, options) {
  if (hostname === 'localhost') return originalPromise.call(this, hostname, options);
  return Promise.reject(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', errno: -3008, syscall: 'getaddrinfo', hostname }));
};
