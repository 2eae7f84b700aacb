// Fill the report form's longitude and latitude from the phone's position (no map service involved).
(function () {
  "use strict";
  var button = document.getElementById("locate-me");
  if (!button) return;
  var status = document.getElementById("locate-status");
  button.addEventListener("click", function () {
    if (!navigator.geolocation) {
      status.textContent = button.dataset.msgFailed;
      return;
    }
    status.textContent = "…";
    navigator.geolocation.getCurrentPosition(
      function (position) {
        document.getElementById("id_lng").value = position.coords.longitude.toFixed(6);
        document.getElementById("id_lat").value = position.coords.latitude.toFixed(6);
        status.textContent = "±" + Math.round(position.coords.accuracy) + " m";
      },
      function () {
        status.textContent = button.dataset.msgFailed;
      },
      { enableHighAccuracy: true, timeout: 10000 }
    );
  });
})();
