// mongo_client.js PEER_DIR COMMAND ...: the MongoDB client side of receivers.sh, with
// the npm packages installed in PEER_DIR (bson, and the official driver `mongodb`).
//
//   hello HOST PORT                  one OP_MSG {hello: 1} built by hand with bson on a
//                                    raw socket; exit 0 when the answer says ok: 1
//                                    and writable primary; prints it (relaxed EJSON)
//   find URI DB COLL OUT MIN SECS    every document of DB.COLL, one canonical Extended
//                                    JSON line each, into OUT; asks again until there
//                                    are MIN (0: once) or SECS pass (then exit 1)
//   insert URI DB COLL < LINES       insertMany of the documents on stdin, one
//                                    canonical Extended JSON object a line; prints
//                                    how many were inserted
//
// Canonical Extended JSON keeps every BSON type: {"$numberDouble": "0.1"},
// {"$numberInt": "7"}, {"$numberLong": "9007199254740993"}, and a date as
// {"$date": {"$numberLong": "<ms since the epoch>"}}. find reads with promoteValues
// off, so a value is written as the type the server sent, not as a JS number.
// Exit 1 on a failure (said on stderr), 2 on a usage error.
'use strict'
const fs = require('fs')
const net = require('net')
const path = require('path')
const { createRequire } = require('module')

const [peerDir, command, ...args] = process.argv.slice(2)
const usage = 'usage: mongo_client.js PEER_DIR hello HOST PORT | find URI DB COLL OUT MIN SECS | insert URI DB COLL'
if (!peerDir || !command) {
  console.error(usage)
  process.exit(2)
}
const peerRequire = createRequire(path.join(path.resolve(peerDir), 'package.json'))

function fail(msg) {
  console.error(`mongo_client.js ${command}: ${msg}`)
  process.exit(1)
}

// An OP_MSG (opCode 2013): header (length, requestID, responseTo, opCode), flagBits,
// one kind-0 section holding the command document.
function hello(host, port) {
  const { BSON } = peerRequire('bson')
  const body = BSON.serialize({ hello: 1, $db: 'admin' })
  const msg = Buffer.alloc(21 + body.length)
  msg.writeInt32LE(msg.length, 0)
  msg.writeInt32LE(1, 4)
  msg.writeInt32LE(0, 8)
  msg.writeInt32LE(2013, 12)
  msg.writeUInt32LE(0, 16)
  msg[20] = 0
  body.copy(msg, 21)
  let got = Buffer.alloc(0)
  const sock = net.connect(Number(port), host, () => sock.write(msg))
  sock.setTimeout(2000, () => fail('no answer within 2 s'))
  sock.on('error', (err) => fail(err.message))
  sock.on('data', (data) => {
    got = Buffer.concat([got, data])
    if (got.length < 4 || got.length < got.readInt32LE(0)) return
    sock.destroy()
    if (got.readInt32LE(12) !== 2013) fail(`answer opCode ${got.readInt32LE(12)}, not OP_MSG`)
    if (got.readInt32LE(8) !== 1) fail(`answer to request ${got.readInt32LE(8)}, not 1`)
    if (got[20] !== 0) fail(`answer section of kind ${got[20]}, not 0`)
    const doc = BSON.deserialize(got.subarray(21, got.readInt32LE(0)))
    console.log(BSON.EJSON.stringify(doc))
    if (doc.ok !== 1 || !(doc.isWritablePrimary || doc.ismaster)) fail('not ok: 1 and writable primary')
  })
  sock.on('end', () => fail('connection closed before a whole answer'))
}

async function connect(uri) {
  const { MongoClient } = peerRequire('mongodb')
  const client = new MongoClient(uri, { directConnection: true, serverSelectionTimeoutMS: 5000 })
  await client.connect()
  return client
}

async function find(uri, db, coll, out, min, secs) {
  const { BSON } = peerRequire('mongodb')
  const deadline = Date.now() + Number(secs) * 1000
  const client = await connect(uri)
  try {
    for (;;) {
      const docs = await client.db(db).collection(coll)
        .find({}, { promoteValues: false, promoteLongs: false, promoteBuffers: false }).toArray()
      if (docs.length >= Number(min) || Date.now() >= deadline) {
        fs.writeFileSync(out, docs.map((d) => BSON.EJSON.stringify(d, { relaxed: false }) + '\n').join(''))
        if (docs.length < Number(min)) fail(`${docs.length} of ${min} documents in ${db}.${coll} after ${secs} s`)
        return
      }
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  } finally {
    await client.close()
  }
}

async function insert(uri, db, coll) {
  const { BSON } = peerRequire('mongodb')
  const docs = fs.readFileSync(0, 'utf8').split('\n').filter((l) => l.trim())
    .map((l) => BSON.EJSON.parse(l, { relaxed: false }))
  const client = await connect(uri)
  try {
    const res = await client.db(db).collection(coll).insertMany(docs)
    console.log(res.insertedCount)
  } finally {
    await client.close()
  }
}

const commands = { hello: [hello, 2], find: [find, 6], insert: [insert, 3] }
if (!commands[command] || args.length !== commands[command][1]) {
  console.error(usage)
  process.exit(2)
}
Promise.resolve(commands[command][0](...args)).catch((err) => fail(err.message))
