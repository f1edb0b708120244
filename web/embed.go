// Package web serves Precinct's browser dashboard: the Svelte app built by
// Vite into web/dist (committed, so that a build needs only Go) and embedded
// in the binary. It answers the app's paths with index.html, the
// content-hashed files under /assets/ with immutable caching, and every
// answer with the app's Content-Security-Policy. The HTTP server asks it
// whether a request is the app's (App.Serves, WantsHTML) before answering
// JSON.
//
// `make web` rebuilds dist from src; TestBuildIsFresh fails when the
// committed build is not what the sources build to.
package web

import "embed"

// dist is the built app. "all:" keeps files whose names start with "_" or
// ".", which Vite may emit.
//
//go:embed all:dist
var dist embed.FS
