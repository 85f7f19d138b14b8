// The Deep Linking response goes back to the platform without a click.
document.getElementById("lti-autopost").submit();
