// Package metrics is Precinct's Prometheus instrumentation: the one package
// that imports prometheus/client_golang. The other packages record through
// the methods here (or small interfaces they declare that *Metrics
// satisfies), so none of them depends on the client library, and every
// method is a no-op on a nil *Metrics, which is what tests get.
//
// Labels are bounded: routes are registered templates ("/api/community/:id"),
// never raw paths; groups, results, operations and engines are fixed sets;
// the media usage series carry a community's id, one per community that
// stored an image.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds every collector on a registry of its own.
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	limited  *prometheus.CounterVec
	signIns  *prometheus.CounterVec
	hashWait prometheus.Histogram
	hashBusy prometheus.Counter
	dbOps    *prometheus.HistogramVec
	dbErrors *prometheus.CounterVec
	cache    *prometheus.CounterVec
	media    *prometheus.CounterVec
	cards    *prometheus.CounterVec
	fetches  *prometheus.CounterVec
}

// New registers every collector, with Go runtime and process metrics.
func New(version string) *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		reg: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "precinct_http_requests_total", Help: "HTTP requests answered, by route template, method and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "precinct_http_request_duration_seconds", Help: "Time to answer an HTTP request, by route template and method.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route", "method"}),
		limited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "precinct_rate_limited_total", Help: "Requests refused by a rate limit (429), by group.",
		}, []string{"group"}),
		signIns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "precinct_sign_ins_total", Help: "Password sign-ins by result: success, failure, locked, limited, busy.",
		}, []string{"result"}),
		hashWait: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "precinct_password_hash_wait_seconds", Help: "Time a password hash or check waited for a hashing slot.",
			Buckets: []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}),
		hashBusy: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "precinct_password_hash_busy_total", Help: "Hashes refused because no slot came free in time (answered 503).",
		}),
		dbOps: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "precinct_db_operation_duration_seconds", Help: "Time of one store operation, by engine and operation.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1},
		}, []string{"engine", "op"}),
		dbErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "precinct_db_errors_total", Help: "Store operations that failed (not counting not-found and conflict), by engine and code.",
		}, []string{"engine", "code"}),
		cache: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "precinct_identity_cache_lookups_total", Help: "Identity-cache look-ups by kind (key, session, user, member, community) and result (hit, miss).",
		}, []string{"kind", "result"}),
		media: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "precinct_media_refused_total", Help: "Images refused, by reason: image (unreadable, or over the pixel bounds), quota, alpr_quota.",
		}, []string{"reason"}),
		cards: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "precinct_id_card_renders_total", Help: "ID cards answered, by result: cached, drawn, busy (no drawing slot in time).",
		}, []string{"result"}),
		fetches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "precinct_media_fetches_total", Help: "Outside mugshot URLs, by result: stored (fetched), failed, dropped (the fetcher is off).",
		}, []string{"result"}),
	}
	info := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "precinct_build_info", Help: "The running version."}, []string{"version"})
	info.WithLabelValues(version).Set(1)
	reg.MustRegister(m.requests, m.latency, m.limited, m.signIns, m.hashWait, m.hashBusy, m.dbOps, m.dbErrors, m.cache, m.media, m.cards, m.fetches, info,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in Prometheus's text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Request records one answered request.
func (m *Metrics) Request(route, method string, status int, d time.Duration) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(route, method, statusText(status)).Inc()
	m.latency.WithLabelValues(route, method).Observe(d.Seconds())
}

// statuses are the label values of HTTP statuses, made once.
var statuses = func() []string {
	out := make([]string, 600)
	for i := range out {
		out[i] = strconv.Itoa(i)
	}
	return out
}()

func statusText(code int) string {
	if code >= 0 && code < len(statuses) {
		return statuses[code]
	}
	return strconv.Itoa(code)
}

// Limited records a refusal by a rate limit.
func (m *Metrics) Limited(group string) {
	if m == nil {
		return
	}
	m.limited.WithLabelValues(group).Inc()
}

// SignIn records a password sign-in's result.
func (m *Metrics) SignIn(result string) {
	if m == nil {
		return
	}
	m.signIns.WithLabelValues(result).Inc()
}

// HashWait records how long a hash waited for a slot, and whether it got
// none.
func (m *Metrics) HashWait(d time.Duration, busy bool) {
	if m == nil {
		return
	}
	m.hashWait.Observe(d.Seconds())
	if busy {
		m.hashBusy.Inc()
	}
}

// DBOp records one store operation; code is the error code of a failure
// that is not a normal answer ("" for success, not-found or conflict).
func (m *Metrics) DBOp(engine, op string, d time.Duration, code string) {
	if m == nil {
		return
	}
	m.dbOps.WithLabelValues(engine, op).Observe(d.Seconds())
	if code != "" {
		m.dbErrors.WithLabelValues(engine, code).Inc()
	}
}

// Cache records an identity-cache look-up.
func (m *Metrics) Cache(kind string, hit bool) {
	if m == nil {
		return
	}
	result := "miss"
	if hit {
		result = "hit"
	}
	m.cache.WithLabelValues(kind, result).Inc()
}

// GatewayStats are the real-time gateway's numbers, read at each scrape.
type GatewayStats struct {
	Connected, Rooms, MapWatchers        int64
	EventsSent, EventsDropped, Overflows int64
	MapBatches                           int64
	EngineWrites                         int64
	Disconnects                          map[string]int64 // by reason, a small fixed set
}

// gatewayCollector reads GatewayStats when Prometheus scrapes.
type gatewayCollector struct{ read func() GatewayStats }

var (
	gwConnected   = prometheus.NewDesc("precinct_realtime_connections", "Open Socket.IO and event-stream connections.", nil, nil)
	gwRooms       = prometheus.NewDesc("precinct_realtime_rooms", "Community rooms with at least one connection.", nil, nil)
	gwWatchers    = prometheus.NewDesc("precinct_realtime_map_watchers", "Connections watching a live map.", nil, nil)
	gwSent        = prometheus.NewDesc("precinct_realtime_events_sent_total", "Events written to connections.", nil, nil)
	gwDropped     = prometheus.NewDesc("precinct_realtime_events_dropped_total", "Events a connection had no room for.", nil, nil)
	gwOverflows   = prometheus.NewDesc("precinct_realtime_queue_overflows_total", "Times a connection's send queue was full.", nil, nil)
	gwBatches     = prometheus.NewDesc("precinct_realtime_map_batches_total", "Live-map batches written.", nil, nil)
	gwEngine      = prometheus.NewDesc("precinct_realtime_engine_writes_total", "Socket.IO events written packet by packet through the library's engine (long-polling, an upgrade under way, a client behind) instead of in one write.", nil, nil)
	gwDisconnects = prometheus.NewDesc("precinct_realtime_disconnects_total", "Connections ended, by reason.", []string{"reason"}, nil)
)

func (g gatewayCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{gwConnected, gwRooms, gwWatchers, gwSent, gwDropped, gwOverflows, gwBatches, gwEngine, gwDisconnects} {
		ch <- d
	}
}

func (g gatewayCollector) Collect(ch chan<- prometheus.Metric) {
	s := g.read()
	ch <- prometheus.MustNewConstMetric(gwConnected, prometheus.GaugeValue, float64(s.Connected))
	ch <- prometheus.MustNewConstMetric(gwRooms, prometheus.GaugeValue, float64(s.Rooms))
	ch <- prometheus.MustNewConstMetric(gwWatchers, prometheus.GaugeValue, float64(s.MapWatchers))
	ch <- prometheus.MustNewConstMetric(gwSent, prometheus.CounterValue, float64(s.EventsSent))
	ch <- prometheus.MustNewConstMetric(gwDropped, prometheus.CounterValue, float64(s.EventsDropped))
	ch <- prometheus.MustNewConstMetric(gwOverflows, prometheus.CounterValue, float64(s.Overflows))
	ch <- prometheus.MustNewConstMetric(gwBatches, prometheus.CounterValue, float64(s.MapBatches))
	ch <- prometheus.MustNewConstMetric(gwEngine, prometheus.CounterValue, float64(s.EngineWrites))
	for reason, n := range s.Disconnects {
		ch <- prometheus.MustNewConstMetric(gwDisconnects, prometheus.CounterValue, float64(n), reason)
	}
}

// Gateway exports the real-time gateway's numbers, read from read at each
// scrape.
func (m *Metrics) Gateway(read func() GatewayStats) {
	if m == nil {
		return
	}
	m.reg.MustRegister(gatewayCollector{read: read})
}

// BusStats are the event bus's numbers, read at each scrape; all but
// Dropped are the shared bus's (several instances on MongoDB).
type BusStats struct {
	Written, WriteErrors, Received, Duplicates, StreamBreaks, Gaps, Dropped int64
}

type busCollector struct{ read func() BusStats }

var busDescs = map[string]*prometheus.Desc{
	"written":       prometheus.NewDesc("precinct_bus_documents_written_total", "Event documents written for the other instances.", nil, nil),
	"write_errors":  prometheus.NewDesc("precinct_bus_write_errors_total", "Failed writes (their events reached this instance only).", nil, nil),
	"received":      prometheus.NewDesc("precinct_bus_events_received_total", "Events delivered from other instances.", nil, nil),
	"duplicates":    prometheus.NewDesc("precinct_bus_duplicates_total", "Documents read twice and skipped.", nil, nil),
	"stream_breaks": prometheus.NewDesc("precinct_bus_stream_breaks_total", "Change streams that broke and were resumed.", nil, nil),
	"gaps":          prometheus.NewDesc("precinct_bus_gaps_total", "Change streams that could not resume (clients were told to sync).", nil, nil),
	"dropped":       prometheus.NewDesc("precinct_bus_dropped_total", "Events lost: a subscriber (the gateway) without room, or not written for the other instances (the queue was full).", nil, nil),
}

func (b busCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range busDescs {
		ch <- d
	}
}

func (b busCollector) Collect(ch chan<- prometheus.Metric) {
	s := b.read()
	for k, v := range map[string]int64{"written": s.Written, "write_errors": s.WriteErrors, "received": s.Received,
		"duplicates": s.Duplicates, "stream_breaks": s.StreamBreaks, "gaps": s.Gaps, "dropped": s.Dropped} {
		ch <- prometheus.MustNewConstMetric(busDescs[k], prometheus.CounterValue, float64(v))
	}
}

// Bus exports the shared event bus's numbers.
func (m *Metrics) Bus(read func() BusStats) {
	if m == nil {
		return
	}
	m.reg.MustRegister(busCollector{read: read})
}

// MediaRefused counts an image refused.
func (m *Metrics) MediaRefused(reason string) {
	if m == nil {
		return
	}
	m.media.WithLabelValues(reason).Inc()
}

// CardRender counts an ID card answered.
func (m *Metrics) CardRender(result string) {
	if m == nil {
		return
	}
	m.cards.WithLabelValues(result).Inc()
}

// MediaFetch counts an outside mugshot URL's fate.
func (m *Metrics) MediaFetch(result string) {
	if m == nil {
		return
	}
	m.fetches.WithLabelValues(result).Inc()
}

// MediaUsage is one community's stored images, read at each scrape.
type MediaUsage struct {
	Community                    string // its id
	Bytes, QuotaBytes, ALPRBytes int64
	Images                       int64
}

var (
	mediaBytes  = prometheus.NewDesc("precinct_media_bytes", "Bytes of stored images, by community (kind: all, or alpr for the ALPR photos among them).", []string{"community", "kind"}, nil)
	mediaImages = prometheus.NewDesc("precinct_media_images", "Stored images, by community.", []string{"community"}, nil)
	mediaQuota  = prometheus.NewDesc("precinct_media_quota_bytes", "The media quota in force, by community.", []string{"community"}, nil)
)

type mediaCollector struct{ read func() []MediaUsage }

func (c mediaCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- mediaBytes
	ch <- mediaImages
	ch <- mediaQuota
}

func (c mediaCollector) Collect(ch chan<- prometheus.Metric) {
	for _, u := range c.read() {
		ch <- prometheus.MustNewConstMetric(mediaBytes, prometheus.GaugeValue, float64(u.Bytes), u.Community, "all")
		ch <- prometheus.MustNewConstMetric(mediaBytes, prometheus.GaugeValue, float64(u.ALPRBytes), u.Community, "alpr")
		ch <- prometheus.MustNewConstMetric(mediaImages, prometheus.GaugeValue, float64(u.Images), u.Community)
		ch <- prometheus.MustNewConstMetric(mediaQuota, prometheus.GaugeValue, float64(u.QuotaBytes), u.Community)
	}
}

// Media exports every community's stored images, read from read at each
// scrape (one small record per community that stored one).
func (m *Metrics) Media(read func() []MediaUsage) {
	if m == nil {
		return
	}
	m.reg.MustRegister(mediaCollector{read: read})
}
