// The deep linking response goes back to the platform by itself; without JavaScript, the
// page's button sends it.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("lti-deep-linking-response");
  if (form) form.submit();
});
