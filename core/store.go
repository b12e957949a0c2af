package auth0kit

func storeError(err error) error {
	return &Error{Code: CodeSessionStoreError, Message: "session store failure", Err: err}
}
