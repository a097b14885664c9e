"""The derive room: reference pages and doc sources into schemas. A page file is parsed
(:mod:`.parser`) into the page model (:mod:`.page`), and so are an API's doc sources, found and
parsed by :mod:`.source_tree` (with :mod:`.groovy`) and built into a page by :mod:`.doc_sources`;
:mod:`.types` explains the model's type names; :mod:`.schemas` builds the JSON Schemas with the
reviewed :mod:`.overlay`; :mod:`.schema_files` renders, writes and checks them; :mod:`.openapi`
builds an OpenAPI document that refers to them."""
