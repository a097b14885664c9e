"""The derive room: reference pages into schemas. A page file is parsed (:mod:`.parser`) into the
page model (:mod:`.page`), whose type names :mod:`.types` explains; :mod:`.schemas` builds the
JSON Schemas with the reviewed :mod:`.overlay`; :mod:`.schema_files` renders, writes and checks
them; :mod:`.openapi` builds an OpenAPI document that refers to them."""
