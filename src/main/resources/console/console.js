// The console's live half: reads the stream of snapshots (server-sent events, one a
// second), keeps the last minutes in the browser, draws them with uPlot and updates the
// tables' cells in place. Each cell names its place in the snapshot (data-k) and its unit
// (data-u); values are formatted as ConsolePage.format does on the server.
(function () {
	'use strict';
	var WINDOW_SECONDS = 300;
	var COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];
	var base = document.body.getAttribute('data-base');
	var status = document.getElementById('status');
	var charts = [];
	var previous = null;
	var times = [];

	function bytes(value) {
		var units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
		var scaled = value;
		var unit = 0;
		while (Math.abs(scaled) >= 1024 && unit < units.length - 1) {
			scaled /= 1024;
			unit++;
		}
		return unit === 0 ? value + ' B' : scaled.toFixed(1) + ' ' + units[unit];
	}

	// An axis label: 1.2k, 3.4M, short enough for the axis; the caption gives the unit.
	function compact(value) {
		var magnitude = Math.abs(value);
		if (magnitude >= 1e9) return +(value / 1e9).toFixed(1) + 'G';
		if (magnitude >= 1e6) return +(value / 1e6).toFixed(1) + 'M';
		if (magnitude >= 1e3) return +(value / 1e3).toFixed(1) + 'k';
		return String(+value.toFixed(2));
	}

	function format(value, unit) {
		if (unit === 'B') return bytes(value);
		if (unit === 'ns') return (value / 1e9).toFixed(3) + ' s';
		if (unit === 'ms') return (value / 1e3).toFixed(1) + ' s';
		if (unit === 'time') return new Date(value).toISOString().replace(/\.\d+Z$/, 'Z');
		return value.toLocaleString('en-US') + ' ' + unit;
	}

	function at(snapshot, path) {
		return path.split('.').reduce(function (value, key) {
			return (value === null || value === undefined) ? undefined : value[key];
		}, snapshot);
	}

	function updateCells(snapshot) {
		document.querySelectorAll('[data-k]').forEach(function (cell) {
			var value = at(snapshot, cell.getAttribute('data-k'));
			if (value === undefined || value === null) return;
			var unit = cell.getAttribute('data-u');
			cell.textContent = unit ? format(value, unit) : String(value);
		});
	}

	// The busiest connections change from one snapshot to the next, so their rows are
	// built again each time; with textContent, so that no figure is ever read as HTML.
	function updateConnections(snapshot) {
		var body = document.querySelector('#connections tbody');
		if (!body) return;
		var empty = body.querySelector('tr.empty');
		body.querySelectorAll('tr:not(.empty)').forEach(function (row) { row.remove(); });
		empty.hidden = snapshot.connectionsTable.length > 0;
		empty.firstChild.textContent = snapshot.connectionsTableAvailable ? 'No open TCP connection.'
			: 'Not available: a reactor did not answer in time.';
		snapshot.connectionsTable.forEach(function (c) {
			var row = document.createElement('tr');
			[c.reactor, c.local, c.peer, c.proxySource || '-', c.tlsProtocol || '-', c.stage,
				format(c.bytesReceived, 'B'), format(c.bytesSent, 'B'), format(c.pendingBytes, 'B'),
				format(c.ageMillis, 'ms')].forEach(function (text) {
				var cell = document.createElement('td');
				cell.textContent = text;
				row.appendChild(cell);
			});
			body.appendChild(row);
		});
	}

	function sum(values) {
		return values.reduce(function (a, b) { return a + b; }, 0);
	}

	// Each chart: a caption with its unit and window, the series' names, and a function
	// from (previous, current, seconds between) to one value per series.
	function definitions(snapshot) {
		var reactors = snapshot.reactors.map(function (r) { return r.thread; });
		var perReactor = function (f) {
			return function (p, c, s) { return c.reactors.map(function (r, i) { return f(p.reactors[i], r, s); }); };
		};
		var rate = function (key) {
			return function (p, c, s) { return (c[key] - p[key]) / s; };
		};
		var causes = Object.keys(snapshot.reactors.length ? snapshot.reactors[0].wakeups : {});
		var list = [
			{ id: 'connections', caption: 'Open connections (connections)', series: reactors,
				values: perReactor(function (p, c) { return c.connections; }) },
			{ id: 'reads', caption: 'Reads (calls/s)', series: reactors, values: perReactor(rate('reads')) },
			{ id: 'writes', caption: 'Writes (calls/s)', series: reactors, values: perReactor(rate('writes')) },
			{ id: 'eagain', caption: 'Empty reads, EAGAIN (calls/s)', series: reactors,
				values: perReactor(rate('emptyReads')) },
			{ id: 'busy', caption: 'Busy share (% of wall time)', series: reactors,
				values: function (p, c) {
					var nanos = c.monotonicNanos - p.monotonicNanos;
					return c.reactors.map(function (r, i) { return 100 * (r.busyNanos - p.reactors[i].busyNanos) / nanos; });
				} },
			{ id: 'wakeups', caption: 'Wakeups by cause, all reactors (wakeups/s)', series: causes,
				values: function (p, c, s) {
					return causes.map(function (cause) {
						return (sum(c.reactors.map(function (r) { return r.wakeups[cause]; }))
							- sum(p.reactors.map(function (r) { return r.wakeups[cause]; }))) / s;
					});
				} },
			{ id: 'bytes', caption: 'TCP echo, all reactors (bytes/s)', series: ['received', 'sent'],
				values: function (p, c, s) {
					return ['bytesReceived', 'bytesSent'].map(function (k) {
						return (sum(c.reactors.map(function (r) { return r[k]; })) - sum(p.reactors.map(function (r) { return r[k]; }))) / s;
					});
				} }
		];
		if (snapshot.udp) {
			var drops = Object.keys(snapshot.udp.dropped);
			list.push({ id: 'udp', caption: 'UDP (datagrams/s)', series: ['received', 'sent'].concat(drops.map(function (d) { return 'dropped: ' + d; })),
				values: function (p, c, s) {
					return [(c.udp.datagramsReceived - p.udp.datagramsReceived) / s, (c.udp.datagramsSent - p.udp.datagramsSent) / s]
						.concat(drops.map(function (d) { return (c.udp.dropped[d] - p.udp.dropped[d]) / s; }));
				} });
		}
		if (snapshot.tls) {
			var failures = Object.keys(snapshot.tls.failed);
			list.push({ id: 'tls', caption: 'TLS handshakes by result (handshakes/s)',
				series: ['completed'].concat(failures.map(function (f) { return 'failed: ' + f; })),
				values: function (p, c, s) {
					return [(c.tls.completed - p.tls.completed) / s]
						.concat(failures.map(function (f) { return (c.tls.failed[f] - p.tls.failed[f]) / s; }));
				} });
		}
		if (snapshot.faults.length) {
			var injected = function (fault) { return sum(Object.keys(fault.injected).map(function (k) { return fault.injected[k]; })); };
			list.push({ id: 'faults', caption: 'Faults injected, by profile (faults/s)',
				series: snapshot.faults.map(function (f) { return f.name; }),
				values: function (p, c, s) {
					return c.faults.map(function (f, i) { return (injected(f) - injected(p.faults[i])) / s; });
				} });
		}
		return list;
	}

	function width(element) {
		return Math.max(240, element.clientWidth);
	}

	function createCharts(snapshot) {
		var grid = document.getElementById('chart-grid');
		document.getElementById('charts').hidden = false;
		definitions(snapshot).forEach(function (definition) {
			var figure = document.createElement('figure');
			var caption = document.createElement('figcaption');
			caption.textContent = definition.caption + ', last ' + (WINDOW_SECONDS / 60) + ' min';
			var holder = document.createElement('div');
			holder.id = 'chart-' + definition.id;
			figure.appendChild(caption);
			figure.appendChild(holder);
			grid.appendChild(figure);
			var series = [{}].concat(definition.series.map(function (name, i) {
				return { label: name, stroke: COLORS[i % COLORS.length], width: 1.5 };
			}));
			var data = [times].concat(definition.series.map(function () { return []; }));
			var plot = new uPlot({ width: width(holder), height: 160, series: series, legend: { live: false },
				scales: { x: { time: true } },
				axes: [{}, { size: 52, values: function (u, splits) { return splits.map(compact); } }] }, data, holder);
			charts.push({ definition: definition, plot: plot, data: data, holder: holder });
		});
		window.addEventListener('resize', function () {
			charts.forEach(function (chart) { chart.plot.setSize({ width: width(chart.holder), height: 160 }); });
		});
	}

	function addPoint(p, c) {
		var seconds = (c.monotonicNanos - p.monotonicNanos) / 1e9;
		if (seconds <= 0) return;
		times.push(c.takenAtMillis / 1000);
		var trim = times.length > WINDOW_SECONDS;
		if (trim) times.shift();
		charts.forEach(function (chart) {
			var values = chart.definition.values(p, c, seconds);
			for (var i = 0; i < values.length; i++) {
				chart.data[i + 1].push(values[i]);
				if (trim) chart.data[i + 1].shift();
			}
			chart.plot.setData(chart.data);
		});
		// How many points the charts hold, for whoever waits for them to fill.
		document.getElementById('charts').setAttribute('data-points', String(times.length));
	}

	function onSnapshot(event) {
		var snapshot = JSON.parse(event.data);
		updateCells(snapshot);
		updateConnections(snapshot);
		if (typeof uPlot !== 'undefined') {
			if (previous === null) {
				createCharts(snapshot);
			}
			else {
				addPoint(previous, snapshot);
			}
		}
		previous = snapshot;
		status.className = '';
		status.textContent = 'Live: updated every second; counters in the tables are totals since the start, '
			+ 'charts show rates over the last ' + (WINDOW_SECONDS / 60) + ' minutes.';
	}

	var source = new EventSource(base + '/stream');
	source.addEventListener('snapshot', onSnapshot);
	source.onerror = function () {
		if (source.readyState === EventSource.CLOSED) {
			status.className = 'warning';
			status.textContent = 'Not live: the server refused the stream (too many consoles open, or the console '
				+ 'is stopping). Reload to try again.';
		}
	};
}());
