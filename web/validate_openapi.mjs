// Validates an OpenAPI document with @apidevtools/swagger-parser (schema + $refs) and
// prints its "METHOD path" operations, one per line, for the route comparison of
// tests/server/openapi_test.sh. Usage: node validate_openapi.mjs FILE
import SwaggerParser from "@apidevtools/swagger-parser";

const file = process.argv[2];
try {
  const api = await SwaggerParser.validate(file);
  for (const [path, item] of Object.entries(api.paths)) {
    for (const method of ["get", "put", "post", "delete", "patch", "options", "head"]) {
      if (item[method]) console.log(`${method.toUpperCase()} ${path}`);
    }
  }
} catch (err) {
  console.error(`invalid OpenAPI document ${file}: ${err.message}`);
  process.exit(1);
}
