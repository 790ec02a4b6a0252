// The request form's personal-data hint (a static file: the Content-Security-Policy allows no inline script).
// A hint only: the server makes the same check before it saves.
(function () {
  var box = document.querySelector('input[name="confidential"]');
  var hint = document.getElementById('pii-hint');
  if (!box || !hint) return;
  var email = /[\w.+-]+@[\w-]+(\.[\w-]+)+/, phone = /(\+|\()?\d[\d\s().-]{8,}\d/;
  function check() {
    var text = Array.prototype.map.call(document.querySelectorAll('.request-form textarea, .request-form input[type=text]'), function (el) { return el.value; }).join('\n');
    hint.hidden = box.checked || !(email.test(text) || phone.test(text));
  }
  document.querySelector('.request-form').addEventListener('input', check);
  box.addEventListener('change', check);
  check();
})();
