/*
 * LPTracker for amoCRM: the widget's entry point, an AMD module that amoCRM loads with RequireJS.
 * It connects amoCRM's callbacks to the Preact bundles built from widget/src (app.js: the card
 * panel; settings.js: the settings modal and the advanced settings page) and sends every request
 * to our server through self.$authorizedAjax, which signs it with amoCRM's one-time X-Auth-Token.
 */
define(['jquery'], function ($) {
  'use strict';

  // Our server. tools/zip.ts writes it when packing the archive; empty means the page's own
  // origin, which is how the local sandbox serves both the amoCRM host page and the API.
  var API_ORIGIN = '';

  // Keep in step with manifest.json → widget.support (the archive test compares them).
  var SUPPORT = {
    email: 'support@example.com',
    link: 'https://example.com/lptracker-amocrm/support'
  };

  var REQUEST_TIMEOUT_MS = 20000;
  var STYLE_ID = 'lptw-style';
  var CONSENT_FIELD = 'consent';

  var mountSeq = 0;

  return function () {
    var self = this;
    // Views mounted by this widget instance, unmounted again in destroy.
    var mounted = [];
    // Resolves to the settings modal's handle once settings.js has loaded.
    var settingsReady = null;

    function apiOrigin() {
      return API_ORIGIN || window.location.origin;
    }

    function responseBody(xhr) {
      if (!xhr) {
        return null;
      }
      if (xhr.responseJSON) {
        return xhr.responseJSON;
      }
      try {
        return JSON.parse(xhr.responseText);
      } catch (e) {
        return null;
      }
    }

    // The only way the bundles reach our server: one promise per request, always through
    // $authorizedAjax. A failure is rejected as {status, body, reason}; status 0 means no answer.
    var transport = {
      request: function (method, path, body) {
        return new Promise(function (resolve, reject) {
          var options = {
            url: apiOrigin() + path,
            type: method,
            method: method,
            dataType: 'json',
            timeout: REQUEST_TIMEOUT_MS
          };
          if (body !== undefined) {
            options.data = JSON.stringify(body);
            options.contentType = 'application/json';
          }
          self.$authorizedAjax(options).done(function (data) {
            resolve(data);
          }).fail(function (xhr, textStatus) {
            reject({
              status: xhr && xhr.status ? xhr.status : 0,
              body: responseBody(xhr),
              reason: textStatus || null
            });
          });
        });
      }
    };

    function amo() {
      return window.APP || window.AMOCRM || {};
    }

    function area() {
      var system = typeof self.system === 'function' ? self.system() : {};
      return (system && system.area) || '';
    }

    function isCardArea() {
      return area() === 'lcard' || area() === 'ccard';
    }

    function settingsValues() {
      return (typeof self.get_settings === 'function' && self.get_settings()) || {};
    }

    // The consent is an ordinary widget setting, saved by amoCRM with the others.
    function consentGiven() {
      var value = settingsValues()[CONSENT_FIELD];
      return value === '1' || value === 1 || value === true || value === 'Y';
    }

    function widgetCode() {
      return settingsValues().widget_code || (self.params && self.params.widget_code) || 'lptracker';
    }

    function hostInput() {
      var system = typeof self.system === 'function' ? self.system() : {};
      return {
        transport: transport,
        dict: self.langs || {},
        lang: amo().lang_id || (system && system.lang) || 'ru',
        consent: consentGiven(),
        support: SUPPORT,
        // The consent text links our privacy page, served by the same server.
        privacyUrl: apiOrigin() + '/privacy'
      };
    }

    function fileUrl(name) {
      return self.params.path + '/' + name + '?v=' + encodeURIComponent(self.get_version());
    }

    function loadBundle(name) {
      return new Promise(function (resolve, reject) {
        require([fileUrl(name)], resolve, reject);
      });
    }

    function loadStyle() {
      if (document.getElementById(STYLE_ID)) {
        return;
      }
      var link = document.createElement('link');
      link.id = STYLE_ID;
      link.rel = 'stylesheet';
      link.href = fileUrl('style.css');
      document.head.appendChild(link);
    }

    function newRoot(extraClass) {
      var el = document.createElement('div');
      el.className = 'lptw-root ' + extraClass;
      el.id = 'lptw-' + widgetCode() + '-' + (++mountSeq);
      return el;
    }

    function showLoadError(el) {
      var common = (self.langs && self.langs.common) || {};
      el.textContent = common.load_failed || 'LPTracker: load failed';
    }

    function cardTarget() {
      var card = amo().data && amo().data.current_card;
      return {
        entity: area() === 'ccard' ? 'contacts' : 'leads',
        id: card && card.id ? Number(card.id) : 0
      };
    }

    function mountCard(rootId) {
      loadBundle('app.js').then(function (app) {
        var el = document.getElementById(rootId);
        if (!el) {
          return;
        }
        app.mountCard(el, hostInput(), cardTarget());
        mounted.push({ bundle: app, el: el });
      }, function () {
        var el = document.getElementById(rootId);
        if (el) {
          showLoadError(el);
        }
      });
    }

    function mountSettings($body) {
      var el = newRoot('lptw-settings-root');
      var input = $body.find('input[name="' + CONSENT_FIELD + '"]');
      $body.append(el);
      // amoCRM saves the hidden input of the custom field; the change event enables its Save button.
      var onConsent = function (given) {
        input.val(given ? '1' : '');
        input.trigger('change');
      };
      settingsReady = loadBundle('settings.js').then(function (bundle) {
        var handle = bundle.mountSettings(el, hostInput(), onConsent);
        mounted.push({ bundle: bundle, el: el });
        return handle;
      }, function (err) {
        showLoadError(el);
        throw err;
      });
    }

    function mountAdvanced() {
      var workArea = document.getElementById('work-area-' + widgetCode());
      if (!workArea) {
        return;
      }
      var el = newRoot('lptw-advanced-root');
      workArea.appendChild(el);
      loadBundle('settings.js').then(function (bundle) {
        bundle.mountAdvanced(el, hostInput());
        mounted.push({ bundle: bundle, el: el });
      }, function () {
        showLoadError(el);
      });
    }

    this.callbacks = {
      render: function () {
        if (isCardArea()) {
          var root = newRoot('lptw-card-root');
          self.render_template({
            caption: { class_name: 'lptw-caption' },
            body: '',
            render: root.outerHTML
          });
          mountCard(root.id);
        }
        return true;
      },
      init: function () {
        loadStyle();
        return true;
      },
      bind_actions: function () {
        return true;
      },
      settings: function ($modalBody) {
        loadStyle();
        mountSettings($modalBody && $modalBody.length ? $modalBody : $('.widget-settings__modal-body'));
        return true;
      },
      // Also runs when the widget is switched off (evt.active 'N'): never refused. A rejection
      // keeps amoCRM's modal open with our error inside.
      onSave: function (evt) {
        var off = !!evt && evt.active === 'N';
        if (!settingsReady) {
          return Promise.resolve(true);
        }
        return settingsReady.then(function (handle) {
          return off ? handle.switchOff() : handle.save({ active: true });
        }).then(function () {
          return true;
        }, function (err) {
          if (off) {
            return true;
          }
          throw err;
        });
      },
      destroy: function () {
        while (mounted.length) {
          var view = mounted.pop();
          view.bundle.unmount(view.el);
        }
        settingsReady = null;
      },
      advancedSettings: function () {
        loadStyle();
        mountAdvanced();
        return true;
      }
    };
    // DP settings and list actions: actions.js, loaded on demand.
    ['dpSettings', 'leads', 'contacts', 'companies'].forEach(function (k) {
      var f = function () {
        loadBundle('actions.js').then(function (b) { mounted.push({ bundle: b, el: b.mount(k, self, hostInput()) }); });
        return true;
      };
      self.callbacks[k] = k === 'dpSettings' ? f : { selected: f };
    });
    return this;
  };
});
