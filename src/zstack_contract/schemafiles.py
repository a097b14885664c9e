"""The files an API's derived schemas are kept in: ``<API><suffix>`` in a schemas folder."""

SUFFIXES = {"request": ".request.json", "response": ".response.json", "strict": ".response.strict.json"}
