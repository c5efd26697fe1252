package pager_test

import (
	"github.com/incidentbot/incidentbot/handlers"
	"github.com/incidentbot/incidentbot/pager"
)

var _ handlers.Pager = (*pager.Client)(nil)
