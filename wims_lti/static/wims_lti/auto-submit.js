/* Submit the forms marked data-auto-submit (the deep-linking response back to the LMS). The button
   stays for browsers without scripts. */
(function () {
  "use strict";
  var forms = document.querySelectorAll("form[data-auto-submit='true']");
  for (var i = 0; i < forms.length; i += 1) {
    forms[i].submit();
  }
})();
