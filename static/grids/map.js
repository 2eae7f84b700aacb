// The command centre's grid map: GeoJSON polygons drawn as plain SVG, coloured by open events.
// No tile service: longitude/latitude are projected onto the box of the grids themselves.
(function () {
  "use strict";
  var box = document.getElementById("grid-map");
  if (!box) return;
  var SVG = "http://www.w3.org/2000/svg";

  function rings(geometry) {
    if (geometry.type === "Polygon") return geometry.coordinates;
    if (geometry.type === "MultiPolygon") return [].concat.apply([], geometry.coordinates);
    return [];
  }

  function bucket(count) {
    if (count <= 0) return 0;
    if (count === 1) return 1;
    if (count <= 3) return 2;
    return 3;
  }

  function draw(collection) {
    var minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    collection.features.forEach(function (feature) {
      rings(feature.geometry).forEach(function (ring) {
        ring.forEach(function (point) {
          minX = Math.min(minX, point[0]); maxX = Math.max(maxX, point[0]);
          minY = Math.min(minY, point[1]); maxY = Math.max(maxY, point[1]);
        });
      });
    });
    if (!isFinite(minX)) return;
    // Equirectangular with the cosine of the mid latitude, enough for a county.
    var k = Math.cos(((minY + maxY) / 2) * Math.PI / 180);
    var width = (maxX - minX) * k, height = maxY - minY, scale = 1000 / Math.max(width, height);
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 " + Math.ceil(width * scale) + " " + Math.ceil(height * scale));
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", box.dataset.label);
    // Comprehensive grids first, dedicated ones on top of them.
    var features = collection.features.slice().sort(function (a, b) {
      return (a.properties.kind === "dedicated") - (b.properties.kind === "dedicated");
    });
    features.forEach(function (feature) {
      var d = rings(feature.geometry).map(function (ring) {
        return "M" + ring.map(function (p) {
          return ((p[0] - minX) * k * scale).toFixed(1) + "," + ((maxY - p[1]) * scale).toFixed(1);
        }).join("L") + "Z";
      }).join("");
      var path = document.createElementNS(SVG, "path");
      var props = feature.properties;
      path.setAttribute("d", d);
      path.setAttribute("class", "grid-fill-" + bucket(props.open_events) + (props.kind === "dedicated" ? " grid-dedicated" : ""));
      path.setAttribute("tabindex", "0");
      path.setAttribute("data-code", props.code);
      path.setAttribute("data-open", props.open_events);
      var title = document.createElementNS(SVG, "title");
      title.textContent = props.name + " (" + props.code + ") · " + box.dataset.detailLabel + " " + props.open_events;
      path.appendChild(title);
      svg.appendChild(path);
    });
    box.replaceChildren(svg);
  }

  fetch(box.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) { return response.json(); })
    .then(draw)
    .catch(function () { box.textContent = "—"; });
})();
