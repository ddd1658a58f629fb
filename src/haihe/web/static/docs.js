// The API docs page (served without inline script, so the site's CSP applies here too).
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({ url: "/api/openapi.json", dom_id: "#swagger-ui" });
});
