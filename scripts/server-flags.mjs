// The Node flags the server runs with, in one place: `npm start`, the tests and
// the benchmarks all spawn it through this list.
//
// --max-semi-space-size=2: V8 otherwise grows its young generation to 16 MB
// per semi-space under connection churn and keeps it resident; a socket server
// holding thousands of idle connections is better served by frequent, small
// scavenges (they cost in proportion to live objects, not to the space).
export const SERVER_NODE_FLAGS = ["--max-semi-space-size=2"];
