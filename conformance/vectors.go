package conformance

// A session cookie written by @auth0/nextjs-auth0 v4 (from its reference
// notes' test vector; payload user {sub:"user_123",name:"Jane"}, exp
// 4102444800), read by every adapter.
const (
	nextjsVectorSecret = "a-very-long-secret-value-of-at-least-32-characters-xyz"
	nextjsVectorCookie = "eyJlbmMiOiJBMjU2R0NNIiwiYWxnIjoiZGlyIn0..tDUOpBRLDHmzTGeU.HqeQNstw8WsZpUfI4o6g4MBFVej_vkaW4MvDwOVMhaDqwE94slmJDYz5V1mGL7IOvFwB5IgjcujmiCTyTl1sDraAqBWlW5LUu5BEJFIRjYGOjCp24eIK1CypWSnrtpRPQ2Cjcl53rEUZU1vSQJklMQ7Q5l2GkS7Yx5xO1IyOUd2WzHN_cz2sEiyBjEbxGKe1acR3h2wCiCFVIN4pDS0-mGRBuLtTS3M5shVU3ndHGfiUgiVaimTPSxffKwDyR784Wa4fq7FnYPndeqfZ4NQ8bvHzp_A6I7K2kRkyhgEaiBsfaWInJHDhNGap7Pmo4yU9o2VtxBpd6cJTSUnnMdxBapYpglsS5xZ3ObcQFU1PUFMxa7AFHwghwF0TSbOZSXbNn5dJKbBSdwVcesFUdo_gRboR.3G6TJ-HHDJadIzrsEESBwA"
)
