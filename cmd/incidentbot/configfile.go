package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	configfile "github.com/incidentbot/incidentbot/config"
	"github.com/incidentbot/incidentbot/handlers"
	"github.com/incidentbot/incidentbot/slackui"
)

// configPollInterval is how often the config file is checked for changes.
const configPollInterval = 5 * time.Second

// loadConfigFile reads the file INCIDENTBOT_CONFIG names. An invalid file,
// or one whose env: references are unset here, stops the start with every
// problem: a catalog that silently lacks its routing keys would page the
// wrong people at the worst moment.
func loadConfigFile(path string, getenv func(string) string) (*configfile.Config, error) {
	cfg, err := configfile.Load(path)
	if err != nil {
		return nil, configErr(path, err)
	}
	if unset := cfg.Unset(getenv); len(unset) > 0 {
		return nil, configErr(path, unset)
	}
	return cfg, nil
}

// configErr puts a file's problems one per line under a sentence.
func configErr(path string, err error) error {
	if p, ok := errors.AsType[configfile.Problems](err); ok {
		return fmt.Errorf("INCIDENTBOT_CONFIG %s is not valid (check it with `incidentbot config check`):\n%w", path, p)
	}
	return fmt.Errorf("INCIDENTBOT_CONFIG: %w", err)
}

// pagerKeys takes the config file's routing keys (the pager merges the
// environment's over them).
type pagerKeys interface {
	SetServices(fileKeys map[string]string)
}

// reloader applies a reloaded config file, or refuses it and says why.
type reloader struct {
	path     string
	live     *configfile.Live
	pager    pagerKeys // nil: PagerDuty is off
	getenv   func(string) string
	announce string // where a refused file is reported; "" for the log only
	poster   handlers.Poster
	log      *slog.Logger
}

func (r *reloader) apply(ctx context.Context, c *configfile.Config) {
	if unset := c.Unset(r.getenv); len(unset) > 0 {
		r.reject(ctx, unset)
		return
	}
	r.live.Store(c)
	if r.pager != nil {
		r.pager.SetServices(c.PagerDutyKeys(r.getenv))
	} else if len(c.PagerDuty) > 0 {
		r.log.Warn("the config file now names PagerDuty keys, but PagerDuty was off when the bot started; restart it to page them", "path", r.path)
	}
	r.log.Info("config file reloaded", "path", r.path, "services", len(c.Catalog))
}

func (r *reloader) reject(ctx context.Context, err error) {
	r.log.Error("config file refused; the last good version stays in force", "path", r.path, "err", err)
	if r.announce == "" || r.poster == nil {
		return
	}
	text := fmt.Sprintf(":warning: The config file `%s` changed but has problems, so the last good version stays in force. Fix it and check it with `incidentbot config check`:\n```%s```",
		slackui.Escape(r.path), slackui.Escape(firstLines(err)))
	if _, perr := r.poster.Post(ctx, r.announce, slackui.Text(text)); perr != nil {
		r.log.Warn("report refused config file", "channel", r.announce, "err", perr)
	}
}

// firstLines trims an error for a Slack message: the first problems, then a
// count.
func firstLines(err error) string {
	lines := strings.Split(err.Error(), "\n")
	if len(lines) > 10 {
		lines = append(lines[:10], fmt.Sprintf("…and %d more", len(lines)-10))
	}
	return strings.Join(lines, "\n")
}

// watch follows the file until ctx ends: on change, and on every value
// from hup.
func (r *reloader) watch(ctx context.Context, hup <-chan struct{}) {
	configfile.Watch(ctx, r.path, configPollInterval, hup,
		func(c *configfile.Config) { r.apply(ctx, c) },
		func(err error) { r.reject(ctx, err) })
}
