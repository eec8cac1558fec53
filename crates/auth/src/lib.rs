//! `ordo-auth`: the password-hashing and token ports of `ordo-domain`, with argon2id and JWT.
//!
//! - [`Argon2idHasher`]: OWASP's argon2id parameters (19 MiB, 2 passes, 1 lane). Slow on
//!   purpose; callers run it off the async executor.
//! - [`JwtCodec`]: HS256 only (the algorithm is pinned, so `alg: none` and RS/HS confusion are
//!   refused), with `exp`, `nbf`, `iat`, `jti`, `iss` and `aud` all required and checked, and a
//!   short leeway for clock skew.

mod jwt;
mod password;

pub use jwt::{JwtCodec, JwtSecret, SecretError};
pub use password::Argon2idHasher;
