// Starts the app from `/api/config`. In self-hosted mode (`auth_required`) people sign in with
// email and password (SelfHostedSignIn); in hosted mode through Supabase Auth (HostedSignIn), and
// then the pages open on a project of theirs (HostedWorkspace).
import type { ReactNode } from 'react'
import { ApiError } from '../lib/api'
import { HostedSignIn } from './HostedSignIn'
import { HostedWorkspace } from './HostedWorkspace'
import { SelfHostedSignIn } from './SelfHostedSignIn'
import { useConfigQuery } from '../data/config/config-queries'
import { LoadingPanel } from './LoadingPanel'

export function AuthGate({ children }: { children: ReactNode }) {
  const config = useConfigQuery()
  if (config.data?.mode === 'hosted') {
    return config.data.is_admin ? <HostedWorkspace>{children}</HostedWorkspace> : <HostedSignIn />
  }
  const unauthorized = config.error instanceof ApiError && config.error.status === 401
  if (unauthorized || (config.data?.auth_required && !config.data.is_admin)) {
    // People sign in with email and password; the admin token is for scripts and the CLI.
    return <SelfHostedSignIn />
  }
  if (!config.data) {
    return (
      <div className="boot">
        <LoadingPanel isLoading={config.isLoading} error={config.error} onRetry={() => void config.refetch()} minHeight={240} testId="config" />
      </div>
    )
  }
  return <>{children}</>
}
