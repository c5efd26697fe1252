package store_test

import (
	"github.com/incidentbot/incidentbot/handlers"
	"github.com/incidentbot/incidentbot/store"
)

var _ handlers.Store = (*store.Store)(nil)
