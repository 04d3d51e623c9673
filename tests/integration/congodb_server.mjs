// congodb_server.mjs PEER_DIR: CongoDB, the MongoDB-wire server in the npm package
// @push.rocks/smartmongo (unpacked in PEER_DIR/smartmongo by receivers.sh, its
// dependencies in PEER_DIR/node_modules), with memory storage, on 127.0.0.1 at a port
// the kernel picks, which it prints on stdout once it listens. Ends on SIGTERM.
// Memory storage: its file storage turns dates into strings (RECEIVERS.md).
import path from 'node:path'
import { pathToFileURL } from 'node:url'

const peerDir = process.argv[2]
if (!peerDir) {
  console.error('usage: congodb_server.mjs PEER_DIR')
  process.exit(2)
}
const { CongoServer } = await import(pathToFileURL(path.join(peerDir, 'smartmongo/dist_ts/congodb/index.js')).href)

// port 0: the kernel picks (CongoServer keeps 0; only a missing port means 27017).
const server = new CongoServer({ port: 0, host: '127.0.0.1', storage: 'memory' })
try {
  await server.start()
} catch (err) {
  console.error(`congodb_server.mjs: ${err.message}`)
  process.exit(1)
}
const { port } = server.server.address()
console.log(port)
console.error(`CongoDB (memory storage) listening on mongodb://127.0.0.1:${port}`)
