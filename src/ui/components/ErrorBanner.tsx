/** The one error the user must read (a model file that could not be opened); dismissible. */
import { useStudio } from '../store/index.ts';

export function ErrorBanner() {
  const error = useStudio((s) => s.error);
  const dismissError = useStudio((s) => s.dismissError);
  if (!error) return null;
  return (
    <div className="error-banner" role="alert">
      <svg className="error-banner-icon" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true">
        <circle cx="8" cy="8" r="7" fill="currentColor" />
        <path d="M8 4.2v4.6" stroke="#1b1c1f" strokeWidth="1.8" strokeLinecap="round" />
        <circle cx="8" cy="11.5" r="1" fill="#1b1c1f" />
      </svg>
      <div className="error-banner-text">
        <strong>{error.title}</strong>
        <span>{error.message}</span>
        <span className="error-banner-note">The open model is unchanged.</span>
      </div>
      <button type="button" className="button button-ghost" onClick={dismissError} aria-label="Dismiss error">
        Dismiss
      </button>
    </div>
  );
}
