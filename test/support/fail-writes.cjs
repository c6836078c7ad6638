// Preloaded into a CLI child (NODE_OPTIONS=--require) to make its cache directory fail as a full disk or
// a read-only mount does, without root or a real mount. Writes (writeFileSync, mkdirSync) to paths under
// FAIL_WRITES_UNDER whose name matches FAIL_WRITES_MATCH (a regular expression; default: every path) fail
// with FAIL_WRITES_CODE: ENOSPC creates the file and then fails to write its content, as the kernel does
// when the inode fits but the data does not; EROFS and EACCES fail before anything is created.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const under = process.env.FAIL_WRITES_UNDER;
if (under) {
  const root = path.resolve(under);
  const match = new RegExp(process.env.FAIL_WRITES_MATCH || '');
  const code = process.env.FAIL_WRITES_CODE || 'ENOSPC';
  const words = { ENOSPC: 'no space left on device', EROFS: 'read-only file system', EACCES: 'permission denied', EDQUOT: 'disk quota exceeded' };
  const errnos = { ENOSPC: -28, EROFS: -30, EACCES: -13, EDQUOT: -122 };
  const affected = (p) => {
    if (typeof p !== 'string') return false;
    const full = path.resolve(p);
    return (full === root || full.startsWith(root + path.sep)) && match.test(path.basename(full));
  };
  const failure = (syscall, p) =>
    Object.assign(new Error(`${code}: ${words[code] || code}, ${syscall} '${p}'`), { errno: errnos[code], code, syscall, path: p });

  const writeFileSync = fs.writeFileSync;
  fs.writeFileSync = function (file, data, options) {
    if (!affected(file)) return writeFileSync.apply(fs, arguments);
    if (code === 'ENOSPC') writeFileSync.call(fs, file, '', options);
    throw failure(code === 'ENOSPC' ? 'write' : 'open', file);
  };
  const mkdirSync = fs.mkdirSync;
  fs.mkdirSync = function (dir) {
    if (affected(dir) && !fs.existsSync(dir)) throw failure('mkdir', dir);
    return mkdirSync.apply(fs, arguments);
  };
  require('node:module').syncBuiltinESMExports();
}
