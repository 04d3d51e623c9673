/* mongodb.h — the MongoDB format's limits (the format itself is mxp_format_mongodb,
 * format.h; bodies are BSON documents one after the other, mongodb.c). */
#ifndef MXP_FORMAT_MONGODB_H
#define MXP_FORMAT_MONGODB_H

/* documents per body at most, before the count bound `max samples per send`: libmongoc
 * splits an insert_many into messages of the server's maxMessageSizeBytes (48 MB) */
#define MXP_MONGODB_BODY_BYTES (8u * 1024u * 1024u)

#endif
