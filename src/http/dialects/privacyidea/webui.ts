import type { User } from '../../../core/users/service.js';

/**
 * What privacyIDEA's web UI reads from the `/auth` answer besides the token (its postpolicy
 * `get_webui_settings`), with privacyIDEA's values when no webui policy is set. The UI breaks on
 * missing keys (page sizes, timeout action), so every key is present.
 */
export function webUiSettings(role: 'admin' | 'user') {
  return {
    log_level: 30,
    logout_time: 120,
    timeout_action: 'lockscreen',
    audit_page_size: 10,
    token_page_size: 15,
    user_page_size: 15,
    policy_template_url: '/static/policy-templates/',
    default_tokentype: 'totp',
    default_container_type: 'generic',
    user_details: false,
    token_wizard: false,
    token_wizard_2nd: false,
    admin_dashboard: false,
    dialog_no_token: false,
    search_on_enter: false,
    token_rollover: {},
    hide_welcome: false,
    hide_buttons: false,
    deletion_confirmation: false,
    show_seed: false,
    show_node: '',
    subscription_status: 0,
    subscription_status_push: 0,
    qr_image_android: null,
    qr_image_ios: null,
    qr_image_custom: null,
    logout_redirect_url: '',
    require_description: [],
    rss_age: role === 'admin' ? 180 : 0,
    container_wizard: { enabled: false },
  };
}

/**
 * Token types a caller may enroll, as privacyIDEA's `GET /auth/rights` answers them: Gatehouse's one second factor is
 * TOTP.
 */
export function enrollableTokenTypes(rights: string[]): Record<string, string> {
  return rights.includes('enroll') || rights.includes('enrollTOTP')
    ? { totp: 'TOTP: Time based One Time Passwords.' }
    : {};
}

/** A user as privacyIDEA's user list shows one: Gatehouse's users are not editable through privacyIDEA's API. */
export function presentUser(user: User) {
  const [givenname = '', ...rest] = (user.displayName ?? '').split(' ');
  return {
    username: user.username ?? user.email,
    userid: user.id,
    givenname,
    surname: rest.join(' '),
    email: user.email,
    phone: '',
    mobile: '',
    description: '',
    editable: false,
    resolver: 'gatehouse',
  };
}
