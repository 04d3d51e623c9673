// kinesalite_server.js PEER_DIR DATA_DIR [CERT KEY]: kinesalite (a Kinesis emulator
// from npm, installed in PEER_DIR by receivers.sh) on 127.0.0.1 only, at a port the
// kernel picks, which it prints on stdout once it listens. Its own CLI binds every
// interface, hence this script. Streams and records are kept (LevelDB) in DATA_DIR.
// With CERT and KEY (PEM files) it serves HTTPS with them: kinesalite's `ssl` option
// falls back to its bundled certificate only for a key/cert/ca that is not given.
// Ends on SIGTERM.
'use strict'
const fs = require('fs')
const path = require('path')

const [peerDir, dataDir, cert, key] = process.argv.slice(2)
if (!peerDir || !dataDir || (cert && !key)) {
  console.error('usage: kinesalite_server.js PEER_DIR DATA_DIR [CERT KEY]')
  process.exit(2)
}
const kinesalite = require(path.join(peerDir, 'node_modules', 'kinesalite'))

// *StreamMs 0: a stream is ACTIVE (created, resharded) or gone (deleted) as soon as
// the call returns, instead of 500 ms later.
const options = { path: dataDir, createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0 }
if (cert) {
  // ca: [] keeps kinesalite's bundled CA out of the server's context (it would only
  // matter for client certificates, which nothing asks for).
  Object.assign(options, { ssl: true, cert: fs.readFileSync(cert), key: fs.readFileSync(key), ca: [] })
}
const server = kinesalite(options)
server.on('error', (err) => {
  console.error(`kinesalite_server.js: ${err.message}`)
  process.exit(1)
})
server.listen(0, '127.0.0.1', () => {
  console.log(server.address().port)
  console.error(`kinesalite listening on ${cert ? 'https' : 'http'}://127.0.0.1:${server.address().port}, data in ${dataDir}`)
})
