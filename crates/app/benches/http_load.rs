//! `make bench`, whole-system part: the load generator. It starts `ordo serve --demo` itself
//! (SQLite; PostgreSQL too when `ORDO_TEST_PG_URL` is set, then also two instances on one
//! database) and drives it over HTTP — logins, create-order (3 lines), get-order, filtered lists,
//! status updates — with WebSocket subscribers attached during the mix. Each scenario reports
//! throughput, p50/p99/p99.9 latency, the server's CPU and peak memory, beside the same server
//! answering its cheapest handler (`GET /health`) in the same run. The table, with the machine,
//! is written into `docs/PERFORMANCE.md` between the `load:begin`/`load:end` markers.
//!
//! `ORDO_BENCH_SECS` sets each measurement's length (default 3), `ORDO_LOAD_CLIENTS` the
//! closed-loop client threads (default 4), `ORDO_BENCH_BACKENDS` which configurations run
//! (default `sqlite,postgres,two`: the last is two instances on one PostgreSQL), and
//! `ORDO_BENCH_SCENARIOS` which scenarios of a backend (default
//! `empty,get,list,create,keyed,login,mix`), for profiling one of them. `ORDO_LOAD_BIN` runs another
//! build of `ordo` than this one's, for alternated before/after runs. `ORDO_LOAD_TRACE`, a
//! directory, gets every answer of every measurement as a CSV file (`Sample::write_trace`).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "load/api.rs"]
mod api;
#[path = "load/drive.rs"]
mod drive;
#[path = "load/procfs.rs"]
mod procfs;
#[path = "load/server.rs"]
mod server;

use api::{Api, Fixture, expect};
use serde_json::json;
use server::{Db, Served};
use std::collections::VecDeque;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Row {
    backend: String,
    scenario: String,
    clients: String,
    rate: f64,
    p50: f64,
    p99: f64,
    p999: f64,
    cpu: f64,
    peak_mib: f64,
    errors: u64,
    /// Per operation (paced runs only): name, count, p50 and p99 in ms.
    ops: Vec<(&'static str, usize, f64, f64)>,
}

impl Row {
    fn line(&self) -> String {
        format!(
            "| {} | {} | {} | {:.0} | {:.2} | {:.2} | {:.2} | {:.0}% | {:.1} | {} |",
            self.backend,
            self.scenario,
            self.clients,
            self.rate,
            self.p50,
            self.p99,
            self.p999,
            self.cpu,
            self.peak_mib,
            self.errors
        )
    }
}

/// Writes `sample` to the directory `ORDO_LOAD_TRACE` names, if it does, in a file named by
/// `parts`.
fn write_trace(sample: &drive::Sample, parts: &[&str]) {
    let Some(dir) = std::env::var_os("ORDO_LOAD_TRACE") else {
        return;
    };
    let name: String = parts
        .join("-")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let path = std::path::Path::new(&dir).join(format!("{name}.csv"));
    if let Err(e) = std::fs::create_dir_all(&dir).and_then(|()| sample.write_trace(&path)) {
        eprintln!("load: trace {}: {e}", path.display());
    }
}

/// Runs `work` against `servers` and measures it.
fn measure(
    backend: &str,
    scenario: &str,
    servers: &[&Served],
    clients: usize,
    rate: Option<f64>,
    work: &dyn drive::Work,
) -> Row {
    let secs = Duration::from_secs(env_num("ORDO_BENCH_SECS", 3));
    let cpu0: u64 = servers.iter().map(|s| s.cpu_ticks()).sum();
    let sample = drive::run(work, clients, secs, rate);
    let cpu1: u64 = servers.iter().map(|s| s.cpu_ticks()).sum();
    write_trace(
        &sample,
        &[
            backend,
            scenario,
            &clients.to_string(),
            &rate.unwrap_or(0.0).round().to_string(),
        ],
    );
    let row = Row {
        backend: backend.to_owned(),
        scenario: scenario.to_owned(),
        clients: rate.map_or(clients.to_string(), |r| format!("{clients} @ {r:.0}/s")),
        rate: sample.rate(),
        p50: sample.quantile_ms(0.50),
        p99: sample.quantile_ms(0.99),
        p999: sample.quantile_ms(0.999),
        cpu: (cpu1 - cpu0) as f64 / sample.elapsed.as_secs_f64(),
        peak_mib: servers.iter().map(|s| s.peak_kib()).sum::<u64>() as f64 / 1024.0,
        errors: sample.errors,
        ops: if rate.is_some() {
            sample.per_op()
        } else {
            Vec::new()
        },
    };
    println!("{}", row.line());
    for (op, n, p50, p99) in &row.ops {
        println!("    {op}: {n} requests, p50 {p50:.2} ms, p99 {p99:.2} ms");
    }
    row
}

/// WebSocket subscribers of territory `north`, counting the events they receive until the
/// server goes away.
fn subscribe(server: &Served, api: &Api, n: usize, received: &Arc<AtomicU64>) {
    let token = api.bearer.trim_start_matches("Bearer ");
    let addr = server.base.trim_start_matches("http://");
    for _ in 0..n {
        let url = format!("ws://{addr}/ws/orders?territory=north&token={token}");
        match tungstenite::connect(url) {
            Ok((mut ws, _)) => {
                let received = Arc::clone(received);
                std::thread::spawn(move || {
                    while let Ok(msg) = ws.read() {
                        if msg.is_text() {
                            received.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                });
            }
            Err(e) => {
                eprintln!("load: WebSocket subscription refused: {e}");
                return;
            }
        }
    }
}

/// Each client's orders moving through the workflow during the mix, oldest first.
struct Moving(Vec<Mutex<VecDeque<(String, usize)>>>);
const WORKFLOW: [&str; 3] = ["verified", "shipped", "delivered"];
/// The most orders a client keeps moving: a create beyond it lets the oldest rest where it is
/// (the mix creates faster than it walks orders through their three steps).
const MOVING_PER_CLIENT: usize = 8;

impl Moving {
    fn new(clients: usize) -> Self {
        Self((0..clients).map(|_| Mutex::new(VecDeque::new())).collect())
    }

    fn clients(&self) -> usize {
        self.0.len()
    }

    fn created(&self, client: usize, id: String) {
        let mut q = self.0[client].lock().unwrap();
        // `>=`: an order taken out while this create ran may have come back meanwhile.
        while q.len() >= MOVING_PER_CLIENT {
            q.pop_front();
        }
        q.push_back((id, 0));
    }

    /// The order to move next and its step, taken out so that no concurrent request of the
    /// same client (the paced run serves one client on several workers) moves it too.
    fn take(&self, client: usize) -> Option<(String, usize)> {
        self.0[client].lock().unwrap().pop_front()
    }

    fn moved(&self, client: usize, id: String, step: usize) {
        if step + 1 < WORKFLOW.len() {
            self.0[client].lock().unwrap().push_back((id, step + 1));
        }
    }
}

/// The mix: of every 200 requests of a client, 90 get-order, 50 list, 32 create, 27 status
/// updates and 1 log-in. Log-ins are rare in real use (a token lasts an hour) and slow by
/// design (argon2id: 35–60 ms here); at 1 in 100, as until the eleventh session, they were the
/// slowest 1% and the p99 of the mix fell on the fastest of them or just below, run by run.
struct Mix<'a> {
    fx: &'a [Fixture],
    moving: &'a Moving,
}

/// Where request `n` of client `c` of `clients` falls among the mix's 200 slots. Stepping by
/// 37 (prime to 200) visits every slot once per 200 requests, so the proportions hold, but
/// spreads each kind out — slots in order would send 32 creates in a row — and the offsets,
/// spread evenly over the cycle, put the clients out of phase, where the paced run would
/// otherwise have all of them creating at once (they take its schedule's requests in turn).
fn slot(c: usize, clients: usize, n: u64) -> u64 {
    let offset = (c * 200 / clients.max(1)) as u64;
    (n * 37 + offset) % 200
}

impl drive::Work for Mix<'_> {
    fn op(&self, c: usize, n: u64) -> &'static str {
        match slot(c, self.moving.clients(), n) {
            0..90 => "get-order",
            90..140 => "list-orders",
            140..172 => "create-order",
            172..199 => "status update",
            _ => "login",
        }
    }

    fn once(&self, agent: &ureq::Agent, c: usize, n: u64) -> Result<(), String> {
        let f = &self.fx[c % self.fx.len()];
        let api = &f.staff;
        match slot(c, self.moving.clients(), n) {
            0..90 => {
                let id = &f.order_ids[(n as usize + c) % f.order_ids.len()];
                expect(
                    "get",
                    200,
                    api.get_status(agent, &format!("/api/v1/orders/{id}")),
                )
            }
            90..140 => expect(
                "list",
                200,
                api.get_status(
                    agent,
                    "/api/v1/orders?status=pending_verification&priority=normal&limit=20",
                ),
            ),
            140..172 => {
                let (status, body) = api.post(agent, "/api/v1/orders", &f.order_body())?;
                if status != 201 {
                    return Err(format!("create: {status} {body}"));
                }
                let id = body["data"]["order_id"].as_str().unwrap_or_default();
                self.moving.created(c, id.to_owned());
                Ok(())
            }
            172..199 => {
                // Before the client's first create (a few requests at the start), nothing moves:
                // a short listing stands in.
                let Some((id, step)) = self.moving.take(c) else {
                    return expect("get", 200, api.get_status(agent, "/api/v1/orders?limit=5"));
                };
                let (status, body) = api.put(
                    agent,
                    &format!("/api/v1/orders/{id}/status"),
                    &json!({"status": WORKFLOW[step]}),
                )?;
                if status != 200 {
                    return Err(format!("status: {status} {body}"));
                }
                self.moving.moved(c, id, step);
                Ok(())
            }
            _ => {
                Api::login(agent, &api.base, "staff.north@ordo.demo", "demo-staff-pass").map(|_| ())
            }
        }
    }
}

/// One order of 3 lines, as the fixture's staff member, under `key` if given; Err unless it
/// answers 201.
fn create_order(fx: &Fixture, agent: &ureq::Agent, key: Option<&str>) -> Result<(), String> {
    let (status, body) = fx
        .staff
        .post_keyed(agent, "/api/v1/orders", &fx.order_body(), key)?;
    if status == 201 {
        Ok(())
    } else {
        Err(format!("create: {status} {body}"))
    }
}

/// Whether `ORDO_BENCH_SCENARIOS` (a comma-separated list; empty or unset: all) names `scenario`.
fn scenario_wanted(scenario: &str) -> bool {
    listed("ORDO_BENCH_SCENARIOS", scenario)
}

fn listed(var: &str, name: &str) -> bool {
    let list = std::env::var(var).unwrap_or_default();
    list.trim().is_empty() || list.split(',').any(|x| x.trim() == name)
}

/// A backend's rows; returns where in `rows` a row belongs that follows create-order's.
fn backend_rows(
    name: &str,
    db: &Db,
    clients: usize,
    rows: &mut Vec<Row>,
    idle: &mut Vec<String>,
) -> usize {
    {
        let fresh = Served::start_with(&Db::Sqlite, false);
        std::thread::sleep(Duration::from_secs(1));
        if matches!(db, Db::Sqlite) {
            idle.push(format!(
                "empty server: {:.1} MiB",
                fresh.rss_kib() as f64 / 1024.0
            ));
        }
    }
    let s = Served::start(db);
    std::thread::sleep(Duration::from_secs(1));
    idle.push(format!(
        "{name} after loading the demo data: {:.1} MiB",
        s.rss_kib() as f64 / 1024.0
    ));
    let fx = Fixture::load(&s.base).expect("fixture");
    let servers = [&s];

    let empty = |a: &ureq::Agent, _: usize, _: u64| {
        expect("health", 200, api::get_plain(a, &s.url("/health")))
    };
    let base = scenario_wanted("empty").then(|| {
        measure(
            name,
            "empty handler (`GET /health`)",
            &servers,
            clients,
            None,
            &empty,
        )
    });
    let get = |a: &ureq::Agent, c: usize, n: u64| {
        let id = &fx.order_ids[(n as usize + c) % fx.order_ids.len()];
        expect(
            "get",
            200,
            fx.staff.get_status(a, &format!("/api/v1/orders/{id}")),
        )
    };
    let get_row =
        scenario_wanted("get").then(|| measure(name, "get-order", &servers, clients, None, &get));
    if let (Some(base), Some(get_row)) = (&base, &get_row) {
        println!(
            "({name}: get-order at {:.0}% of the empty handler's rate)",
            get_row.rate / base.rate * 100.0
        );
    }
    rows.extend(base);
    rows.extend(get_row);
    let list = |a: &ureq::Agent, _: usize, _: u64| {
        expect(
            "list",
            200,
            fx.staff.get_status(
                a,
                "/api/v1/orders?status=pending_verification&priority=normal&limit=20",
            ),
        )
    };
    if scenario_wanted("list") {
        rows.push(measure(
            name,
            "list-orders (2 filters, 20 rows)",
            &servers,
            clients,
            None,
            &list,
        ));
    }
    let create = |a: &ureq::Agent, _: usize, _: u64| create_order(&fx, a, None);
    if scenario_wanted("create") {
        rows.push(measure(
            name,
            "create-order (3 lines)",
            &servers,
            clients,
            None,
            &create,
        ));
    }
    let after_create = rows.len();
    let login = |a: &ureq::Agent, _: usize, _: u64| {
        Api::login(a, &s.base, "staff.north@ordo.demo", "demo-staff-pass").map(|_| ())
    };
    if scenario_wanted("login") {
        rows.push(measure(
            name,
            "login (argon2id)",
            &servers,
            clients.min(2),
            None,
            &login,
        ));
    }
    if scenario_wanted("mix") {
        mix_rows(name, &s, &fx, clients, rows);
    }
    after_create
}

/// Create-order with an `Idempotency-Key` on every request, then with four times the clients,
/// on a server of its own (`fresh`: an empty database). Its own server, because the orders
/// they add would slow the mix's listings (each counts the pending orders it matches), and the
/// mix's WebSocket subscribers would add their fan-out to them.
///
/// Each key is new (unique to this run): the keyed write, which also records the key and the
/// answer in the change's statement. A few closed-loop clients measure how fast one request
/// follows another more than how many the server can take: with 4 the server idles between
/// hand-offs (docs/PERFORMANCE-HISTORY.md, eighth session), hence the row with 16.
fn own_server_rows(name: &str, fresh: &Db, clients: usize) -> Vec<Row> {
    let mut rows = Vec::new();
    if !scenario_wanted("create") && !scenario_wanted("keyed") {
        return rows;
    }
    let s = Served::start(fresh);
    let fx = Fixture::load(&s.base).expect("fixture");
    if scenario_wanted("keyed") {
        let run = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let keyed = |a: &ureq::Agent, c: usize, n: u64| {
            create_order(&fx, a, Some(&format!("load-{run}-{c}-{n}")))
        };
        rows.push(measure(
            name,
            "create-order (3 lines), with an Idempotency-Key",
            &[&s],
            clients,
            None,
            &keyed,
        ));
    }
    if scenario_wanted("create") {
        let create = |a: &ureq::Agent, _: usize, _: u64| create_order(&fx, a, None);
        rows.push(measure(
            name,
            "create-order (3 lines), 4× the clients",
            &[&s],
            clients * 4,
            None,
            &create,
        ));
    }
    rows
}

/// A backend's rows, with those of the server of its own after create-order's.
fn backend_table(
    name: &str,
    db: &Db,
    fresh: &Db,
    clients: usize,
    rows: &mut Vec<Row>,
    idle: &mut Vec<String>,
) {
    let after_create = backend_rows(name, db, clients, rows, idle);
    for (i, row) in own_server_rows(name, fresh, clients)
        .into_iter()
        .enumerate()
    {
        rows.insert(after_create + i, row);
    }
}

/// The mix with WebSocket subscribers attached, at its maximum rate and then paced at half.
fn mix_rows(name: &str, s: &Served, fx: &Fixture, clients: usize, rows: &mut Vec<Row>) {
    // This server's subscribers only: those of an earlier backend's server count no more.
    let received = Arc::new(AtomicU64::new(0));
    let servers = [s];
    subscribe(s, &fx.staff, 20, &received);
    let moving = Moving::new(clients);
    let work = Mix {
        fx: std::slice::from_ref(fx),
        moving: &moving,
    };
    let max = measure(
        name,
        "mix, 20 WebSocket subscribers",
        &servers,
        clients,
        None,
        &work,
    );
    let half = max.rate / 2.0;
    rows.push(max);
    rows.push(measure(
        name,
        "mix at half the maximum rate",
        &servers,
        clients,
        Some(half),
        &work,
    ));
    let got = received.load(Ordering::Relaxed);
    println!("({name}: WebSocket subscribers received {got} events during the mix)");
}

fn two_instances(pg: &str, clients: usize, rows: &mut Vec<Row>) {
    // Declared before the servers, so dropped after them.
    let Some(fresh) = server::fresh_pg(pg) else {
        eprintln!("load: cannot create a PostgreSQL database; two-instance run skipped");
        return;
    };
    let db = Db::Postgres(fresh.url.clone());
    let a = Served::start(&db);
    let b = Served::start(&db);
    let fxs = [
        Fixture::load(&a.base).expect("fixture a"),
        Fixture::load(&b.base).expect("fixture b"),
    ];
    let moving = Moving::new(clients);
    let work = Mix {
        fx: &fxs,
        moving: &moving,
    };
    rows.push(measure(
        "PostgreSQL ×2",
        "mix over two instances",
        &[&a, &b],
        clients,
        None,
        &work,
    ));
}

fn machine() -> String {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .unwrap_or_default()
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")
                .map(|m| m.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_default();
    let mem = std::fs::read_to_string("/proc/meminfo")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:").map(|m| m.trim().to_owned()))
        .unwrap_or_default();
    format!("{cpus} cores ({model}), {mem} memory")
}

fn write_docs(table: &str) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/PERFORMANCE.md");
    let Ok(doc) = std::fs::read_to_string(path) else {
        return;
    };
    let (begin, end) = ("<!-- load:begin -->", "<!-- load:end -->");
    let (Some(b), Some(e)) = (doc.find(begin), doc.find(end)) else {
        eprintln!("load: markers not found in docs/PERFORMANCE.md; table not written");
        return;
    };
    let updated = format!("{}{begin}\n{table}{}", &doc[..b], &doc[e..]);
    if std::fs::write(path, updated).is_ok() {
        println!("(table written to docs/PERFORMANCE.md)");
    }
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let clients = env_num("ORDO_LOAD_CLIENTS", 4) as usize;
    let header = "| backend | scenario | clients | req/s | p50 ms | p99 ms | p99.9 ms | server CPU | peak RSS MiB | errors |\n|---|---|---|---|---|---|---|---|---|---|";
    println!("{header}");
    let mut rows = Vec::new();
    let mut idle = Vec::new();
    let wanted = |b: &str| listed("ORDO_BENCH_BACKENDS", b);
    if wanted("sqlite") {
        backend_table(
            "SQLite",
            &Db::Sqlite,
            &Db::Sqlite,
            clients,
            &mut rows,
            &mut idle,
        );
    }
    if let Ok(pg) = std::env::var("ORDO_TEST_PG_URL") {
        if wanted("postgres") {
            match (server::fresh_pg(&pg), server::fresh_pg(&pg)) {
                (Some(db), Some(spare)) => backend_table(
                    "PostgreSQL",
                    &Db::Postgres(db.url.clone()),
                    &Db::Postgres(spare.url.clone()),
                    clients,
                    &mut rows,
                    &mut idle,
                ),
                _ => eprintln!("load: cannot create a PostgreSQL database (psql); skipped"),
            }
        }
        if wanted("two") {
            two_instances(&pg, clients, &mut rows);
        }
    }
    let mut table = String::new();
    let date = std::process::Command::new("date")
        .arg("-u")
        .arg("+%Y-%m-%d %H:%M UTC")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    let _ = writeln!(
        table,
        "Run of {date} on {}; {clients} closed-loop client threads on the same machine; idle memory after start: {}.\n",
        machine(),
        idle.join(", ")
    );
    let _ = writeln!(table, "{header}");
    for r in &rows {
        let _ = writeln!(table, "{}", r.line());
    }
    let _ = writeln!(
        table,
        "\nPer operation in the mix at half the maximum rate:\n\n| backend | operation | requests | p50 ms | p99 ms |\n|---|---|---|---|---|"
    );
    for r in rows.iter().filter(|r| !r.ops.is_empty()) {
        for (op, n, p50, p99) in &r.ops {
            let _ = writeln!(
                table,
                "| {} | {op} | {n} | {p50:.2} | {p99:.2} |",
                r.backend
            );
        }
    }
    write_docs(&table);
}
