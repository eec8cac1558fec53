//! A route as one value: its method, path and handler, which mount it, and its documentation,
//! from which the OpenAPI document is generated. Each module's `endpoints()` is a table of them;
//! `routes::configure` mounts exactly those tables and `openapi::document` describes exactly
//! those tables, so a route cannot be served without being documented.

use crate::openapi::{
    Access, Answer, Body, Code, Doc, Example, Param, Place, SchemaFn, Shape, inline_schema_of,
    reads_as, schema_of,
};
use actix_web::http::Method;
use actix_web::{FromRequest, Handler, Responder, web};
use ordo_domain::auth::Role;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::fmt;

/// One route of the API.
pub(crate) struct Endpoint {
    pub(crate) method: Method,
    /// The actix pattern, also the OpenAPI path (`/api/v1/orders/{id}`); `path/` is mounted too.
    pub(crate) path: &'static str,
    route: Box<dyn Fn() -> actix_web::Route>,
    pub(crate) doc: Doc,
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.path)
    }
}

impl Endpoint {
    /// `method path` answered by `handler`, not yet documented.
    pub(crate) fn new<F, Args>(method: Method, path: &'static str, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        let guard = method.clone();
        Self {
            method,
            path,
            route: Box::new(move || web::method(guard.clone()).to(handler.clone())),
            doc: Doc::default(),
        }
    }

    /// `GET path`.
    pub(crate) fn get<F, Args>(path: &'static str, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        Self::new(Method::GET, path, handler)
    }

    /// `POST path`.
    pub(crate) fn post<F, Args>(path: &'static str, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        Self::new(Method::POST, path, handler)
    }

    /// `PUT path`.
    pub(crate) fn put<F, Args>(path: &'static str, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        Self::new(Method::PUT, path, handler)
    }

    /// `PATCH path`.
    pub(crate) fn patch<F, Args>(path: &'static str, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        Self::new(Method::PATCH, path, handler)
    }

    /// `DELETE path`.
    pub(crate) fn delete<F, Args>(path: &'static str, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        Self::new(Method::DELETE, path, handler)
    }

    /// The actix route: the method guard and the handler.
    pub(crate) fn route(&self) -> actix_web::Route {
        (self.route)()
    }

    /// One line on what the route does.
    pub(crate) fn summary(mut self, summary: &'static str) -> Self {
        self.doc.summary = summary;
        self
    }

    /// More on what it does (Markdown).
    pub(crate) fn describe(mut self, description: &'static str) -> Self {
        self.doc.description = description;
        self
    }

    /// The group it is listed under.
    pub(crate) fn tag(mut self, tag: &'static str) -> Self {
        self.doc.tag = tag;
        self
    }

    /// Callable without a token.
    pub(crate) fn public(mut self) -> Self {
        self.doc.access = Access::Public;
        self
    }

    /// Only for these roles (others get `PERMISSION_DENIED`).
    pub(crate) fn roles(mut self, roles: &'static [Role]) -> Self {
        self.doc.access = Access::Roles(roles);
        self
    }

    /// Does not read the `Territory-Id` header.
    pub(crate) fn no_territory_header(mut self) -> Self {
        self.doc.territory_header = false;
        self
    }

    fn param<T: JsonSchema>(
        mut self,
        place: Place,
        name: &'static str,
        required: bool,
        description: &'static str,
    ) -> Self {
        self.doc.params.push(Param {
            name,
            place,
            required,
            description,
            schema: schema_of::<T> as SchemaFn,
        });
        self
    }

    /// A `{name}` segment of the path, read as a `T`.
    pub(crate) fn path_param<T: JsonSchema>(
        self,
        name: &'static str,
        description: &'static str,
    ) -> Self {
        self.param::<T>(Place::Path, name, true, description)
    }

    /// One optional query parameter (when the query string is not one type).
    pub(crate) fn query_param<T: JsonSchema>(
        self,
        name: &'static str,
        description: &'static str,
    ) -> Self {
        self.param::<T>(Place::Query, name, false, description)
    }

    /// An optional request header.
    pub(crate) fn header<T: JsonSchema>(
        self,
        name: &'static str,
        description: &'static str,
    ) -> Self {
        self.param::<T>(Place::Header, name, false, description)
    }

    /// The query string, as the struct `T` it is read into (each field a parameter).
    pub(crate) fn query<T: JsonSchema>(mut self) -> Self {
        self.doc.query = Some(inline_schema_of::<T>);
        self
    }

    /// A JSON body read as `T`.
    pub(crate) fn body<T: JsonSchema + DeserializeOwned>(mut self) -> Self {
        self.doc.body = Some(Body {
            schema: schema_of::<T>,
            reads: reads_as::<T>,
            examples: Vec::new(),
        });
        self
    }

    /// An example of the body (call after [`Endpoint::body`]).
    pub(crate) fn example(
        mut self,
        name: &'static str,
        summary: &'static str,
        value: Value,
    ) -> Self {
        if let Some(body) = &mut self.doc.body {
            body.examples.push(Example {
                name,
                summary,
                value,
            });
        }
        self
    }

    fn answer(mut self, status: u16, shape: Shape, schema: Option<SchemaFn>) -> Self {
        self.doc.answer = Some(Answer {
            status,
            shape,
            schema,
            example: None,
        });
        self
    }

    /// `200 {"status":"success","data":T}`.
    pub(crate) fn ok<T: JsonSchema>(self) -> Self {
        self.answer(200, Shape::Data, Some(schema_of::<T>))
    }

    /// `201 {"status":"success","data":T}`.
    pub(crate) fn created<T: JsonSchema>(self) -> Self {
        self.answer(201, Shape::Data, Some(schema_of::<T>))
    }

    /// `200 {"status":"success","data":[T…],"meta":{…}}`.
    pub(crate) fn list<T: JsonSchema>(self) -> Self {
        self.answer(200, Shape::List, Some(schema_of::<T>))
    }

    /// `status` with `T` itself as the body (no envelope).
    pub(crate) fn bare<T: JsonSchema>(self, status: u16) -> Self {
        self.answer(status, Shape::Bare, Some(schema_of::<T>))
    }

    /// `200` with a body of another media type.
    pub(crate) fn media(self, content_type: &'static str) -> Self {
        self.answer(200, Shape::Media(content_type), None)
    }

    /// `101 Switching Protocols`, then JSON text frames of type `T`.
    pub(crate) fn upgrade<T: JsonSchema>(self) -> Self {
        self.answer(101, Shape::Upgrade, Some(schema_of::<T>))
    }

    /// An example of the successful answer (call after the answer).
    pub(crate) fn answer_example(mut self, value: Value) -> Self {
        if let Some(answer) = &mut self.doc.answer {
            answer.example = Some(value);
        }
        self
    }

    /// Error codes the route itself can give (those its access, parameters, body and rate limit
    /// imply are added by [`Doc::codes`]).
    pub(crate) fn errors(mut self, codes: &[Code]) -> Self {
        self.doc.errors.extend_from_slice(codes);
        self
    }

    /// Counted against the caller's territory's rate limit.
    pub(crate) fn limited(mut self) -> Self {
        self.doc.limited = true;
        self
    }
}

/// Sets the tag of every endpoint of a module's table.
pub(crate) fn tagged(tag: &'static str, endpoints: Vec<Endpoint>) -> Vec<Endpoint> {
    endpoints.into_iter().map(|e| e.tag(tag)).collect()
}
