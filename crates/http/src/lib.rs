//! `ordo-http`: the actix-web REST API and the actix-ws WebSocket front end.
//!
//! It will own the HTTP edge only: parsing requests into `ordo-domain` value types, running use
//! cases on actix's blocking pool, and mapping the domain's errors once to the API's error shape.
//! It decides no rule of its own. Built by issue 4 (the HTTP edge) and issues 5–6.
