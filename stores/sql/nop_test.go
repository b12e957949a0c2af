package sqlstore_test

import (
	"context"
	"database/sql/driver"
	"errors"
)

// nopConnector is a driver.Connector that never connects, for tests that
// need a *sql.DB but no database.
type nopConnector struct{}

func (nopConnector) Connect(context.Context) (driver.Conn, error) {
	return nil, errors.New("nopConnector: no database")
}

func (nopConnector) Driver() driver.Driver { return nopDriver{} }

type nopDriver struct{}

func (nopDriver) Open(string) (driver.Conn, error) { return nil, errors.New("nopDriver: no database") }
